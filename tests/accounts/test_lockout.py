"""Login lockout: wrong passwords lock the account (and, at a higher count, the address); a supervisor unlocks."""

import pytest
from axes.models import AccessAttempt

LOCKED = "登录失败次数过多"


def login(client, username, password, address="10.1.1.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def limits(settings):
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    settings.AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
    return settings


def test_it_locks_an_account_after_five_wrong_passwords_and_refuses_even_the_right_one(client, cast, limits):
    for _ in range(4):
        page = login(client, "agent_a", "wrong")
        assert page.status_code == 200 and "用户名或密码不正确" in page.content.decode()
    fifth = login(client, "agent_a", "wrong")
    assert fifth.status_code == 429
    assert LOCKED in fifth.content.decode() and "请主管" in fifth.content.decode()
    right = login(client, "agent_a", "pw-123456", address="10.9.9.9")  # from another desk too
    assert right.status_code == 429 and LOCKED in right.content.decode()
    assert "_auth_user_id" not in client.session
    # another account at the same desk is not locked
    other = login(client, "agent_b", "pw-123456")
    assert other.status_code == 302 and other["Location"] == "/desk/"


def test_it_locks_an_address_that_tries_many_accounts(client, cast, limits):
    for i in range(12):
        login(client, f"guess{i}", "wrong", address="10.2.2.2")
    page = login(client, "agent_a", "pw-123456", address="10.2.2.2")
    assert page.status_code == 429 and LOCKED in page.content.decode()
    assert login(client, "agent_a", "pw-123456", address="10.3.3.3").status_code == 302


def test_a_successful_login_forgets_the_accounts_own_failures_only(client, cast, limits):
    for _ in range(4):
        login(client, "agent_a", "wrong")
    login(client, "agent_b", "wrong")
    assert login(client, "agent_a", "pw-123456").status_code == 302
    assert not AccessAttempt.objects.filter(username="agent_a").exists()
    assert AccessAttempt.objects.filter(username="agent_b").exists()


def test_the_lockout_message_is_on_the_admin_login_too(client, cast, limits):
    for _ in range(5):
        last = client.post("/admin/login/", {"username": "root", "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
    assert last.status_code == 429 and LOCKED in last.content.decode()


def test_a_supervisor_sees_the_lock_and_lifts_it(client, cast, limits):
    for _ in range(5):
        login(client, "agent_a", "wrong")
    client.force_login(cast.supervisor)
    page = client.get("/accounts/lockouts/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "agent_a" in text and "解锁" in text and "账号" in text
    done = client.post("/accounts/lockouts/unlock/", {"kind": "account", "value": "agent_a"}, follow=True)
    assert "已解锁账号 agent_a" in done.content.decode()
    assert "当前没有被锁定的账号或地址" in done.content.decode()
    client.logout()
    assert login(client, "agent_a", "pw-123456").status_code == 302


def test_a_supervisor_lifts_an_address_lock(client, cast, limits):
    for i in range(12):
        login(client, f"guess{i}", "wrong", address="10.2.2.2")
    client.force_login(cast.supervisor)
    assert "10.2.2.2" in client.get("/accounts/lockouts/").content.decode()
    client.post("/accounts/lockouts/unlock/", {"kind": "address", "value": "10.2.2.2"})
    client.logout()
    assert login(client, "agent_a", "pw-123456", address="10.2.2.2").status_code == 302


def test_an_agent_cannot_see_or_lift_locks(client, cast, limits):
    for _ in range(5):
        login(client, "agent_b", "wrong")
    client.force_login(cast.agent_a)
    assert client.get("/accounts/lockouts/").status_code == 403
    assert (
        client.post("/accounts/lockouts/unlock/", {"kind": "account", "value": "agent_b"}).status_code == 403
    )
    assert AccessAttempt.objects.filter(username="agent_b").exists()


def test_a_supervisor_cannot_lift_an_admins_lock_but_an_admin_can(client, cast, limits):
    for _ in range(5):
        login(client, "root", "wrong")
    client.force_login(cast.supervisor)
    refused = client.post("/accounts/lockouts/unlock/", {"kind": "account", "value": "root"}, follow=True)
    assert "由管理员解锁" in refused.content.decode()
    assert AccessAttempt.objects.filter(username="root").exists()
    client.force_login(cast.admin)
    client.post("/accounts/lockouts/unlock/", {"kind": "account", "value": "root"})
    assert not AccessAttempt.objects.filter(username="root").exists()


def test_the_operator_unlocks_from_the_command_line(cast, limits, client):
    import json

    from django.core.management import call_command

    for _ in range(5):
        login(client, "agent_a", "wrong")
    from io import StringIO

    listed = StringIO()
    call_command("unlock_login", stdout=listed)
    assert json.loads(listed.getvalue())["lockouts"][0]["value"] == "agent_a"
    out = StringIO()
    call_command("unlock_login", "--username", "agent_a", stdout=out)
    assert json.loads(out.getvalue())["unlocked"] == "agent_a"
    assert login(client, "agent_a", "pw-123456").status_code == 302
