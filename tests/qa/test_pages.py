"""The sheet page, the list of sheets and the links to them, as agents and supervisors meet them."""

import pytest


def _login(client, user):
    client.force_login(user)
    return client


def _index(sheet, criterion):
    return next(i for i, it in enumerate(sheet.items) if it["criterion"] == criterion and it["deduction"])


@pytest.mark.django_db
def test_the_agent_reads_the_sheet_and_may_appeal_but_not_review(client, bad_sheet, cast):
    page = _login(client, cast.agent_b).get(f"/qa/{bad_sheet.pk}/").content.decode()
    assert "质检评分表" in page and "不合格" in page and "首次回复及时" in page
    assert "你好，请问有什么事？" in page  # the conversation, with the deducted turn marked
    assert "提交申诉" in page and "保存复核" not in page and "答复申诉" not in page


@pytest.mark.django_db
def test_the_supervisor_sees_the_review_form_and_not_the_appeal_form(client, bad_sheet, cast):
    page = _login(client, cast.supervisor).get(f"/qa/{bad_sheet.pk}/").content.decode()
    assert "保存复核" in page and "提交申诉" not in page


@pytest.mark.django_db
def test_a_colleague_and_another_brand_are_refused_in_chinese(client, bad_sheet, cast):
    from kefu.accounts.models import User

    colleague = User.objects.create_user("agent_b2", password="pw-123456", agent_no="2012", team=cast.team_b)
    for user in (colleague, cast.agent_a):
        response = _login(client, user).get(f"/qa/{bad_sheet.pk}/")
        assert response.status_code == 403 and "只有被质检的坐席本人和主管" in response.content.decode()
    assert _login(client, cast.agent_a).get("/qa/999999/").status_code == 404


@pytest.mark.django_db
def test_appeal_then_answer_through_the_page(client, bad_sheet, cast):
    item = _index(bad_sheet, "ended_unresolved")
    _login(client, cast.agent_b)
    response = client.post(
        f"/qa/{bad_sheet.pk}/action/",
        {"action": "appeal", "item": item, "reason": "客户说自己去网点问"},
        follow=True,
    )
    page = response.content.decode()
    assert "申诉已提交" in page and "客户说自己去网点问" in page and "等待主管答复" in page
    assert "提交申诉" not in page  # once
    _login(client, cast.supervisor)
    page = client.get("/qa/?show=appealed").content.decode()
    assert bad_sheet.ticket.number in page and "答复申诉" in page
    response = client.post(
        f"/qa/{bad_sheet.pk}/action/",
        {"action": "answer", "item": item, "deduction": "0", "reason": "核实录音属实"},
        follow=True,
    )
    page = response.content.decode()
    assert "已答复申诉" in page and "改判" in page and "核实录音属实" in page
    assert bad_sheet.ticket.number not in client.get("/qa/?show=appealed").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"action": "review", "item": "0", "deduction": "abc", "reason": "客户已致歉过"},
            "新的扣分必须是整数",
        ),
        ({"action": "review", "item": "0", "deduction": "", "reason": "客户已致歉过"}, "请填写新的扣分"),
        ({"action": "review", "item": "0", "deduction": "1", "reason": ""}, "请填写理由"),
        ({"action": "explode"}, "未知的操作"),
    ],
)
def test_bad_input_on_the_page_is_explained_in_chinese_and_the_form_kept(
    client, bad_sheet, cast, form, message
):
    _login(client, cast.supervisor)
    page = client.post(f"/qa/{bad_sheet.pk}/action/", form, follow=True).content.decode()
    assert message in page
    assert not bad_sheet.events.exclude(kind="scored").exists()
    if form.get("reason"):
        assert form["reason"] in page


@pytest.mark.django_db
def test_the_list_filters_failed_and_appealed_sheets(client, bad_sheet, good_sheet, cast):
    from kefu.qa.services import sheet_appeal

    _login(client, cast.supervisor)
    everything = client.get("/qa/").content.decode()
    assert bad_sheet.ticket.number in everything and good_sheet.ticket.number in everything
    failed = client.get("/qa/?show=failed").content.decode()
    assert bad_sheet.ticket.number in failed and good_sheet.ticket.number not in failed
    assert good_sheet.ticket.number not in client.get("/qa/?show=appealed").content.decode()
    sheet_appeal(sheet=good_sheet, actor=cast.agent_b, reason="想确认")
    assert good_sheet.ticket.number in client.get("/qa/?show=appealed").content.decode()
    assert "未知的筛选条件" in client.get("/qa/?show=nope").content.decode()


@pytest.mark.django_db
def test_an_agent_lists_only_their_own_sheets(client, bad_sheet, cast):
    assert bad_sheet.ticket.number in _login(client, cast.agent_b).get("/qa/").content.decode()
    assert bad_sheet.ticket.number not in _login(client, cast.agent_a).get("/qa/").content.decode()


@pytest.mark.django_db
def test_the_workspace_and_the_ticket_page_link_the_sheet(client, bad_sheet, cast):
    from kefu.accounts.models import User

    link = f"/qa/{bad_sheet.pk}/"
    number = bad_sheet.ticket.number
    _login(client, cast.agent_b)
    workspace = client.get(f"/desk/tickets/{number}/").content.decode()
    assert 'id="qa-sheet"' in workspace and link in workspace and f">{bad_sheet.total}<" in workspace
    assert link in client.get(f"/tickets/{number}/").content.decode()
    colleague = User.objects.create_user("agent_b2", password="pw-123456", agent_no="2012", team=cast.team_b)
    _login(client, colleague)
    workspace = client.get(f"/desk/tickets/{number}/").content.decode()
    assert link not in workspace and "仅被质检的坐席本人和主管可见" in workspace
    assert link not in client.get(f"/tickets/{number}/").content.decode()
