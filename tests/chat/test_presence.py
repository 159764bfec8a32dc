"""Agent status: every change is a row with its time; the team's break limit; sign in and out."""

import pytest

from tests.conftest import at


@pytest.mark.django_db
def test_each_status_change_is_recorded_with_its_time(cast):
    from kefu.chat.models import AgentStatus
    from kefu.chat.presence import agent_set_status, agent_sign_in, agent_sign_out

    agent_sign_in(agent=cast.agent_a, at=at("2026-11-24 08:55"))
    agent_set_status(agent=cast.agent_a, status="ready", at=at("2026-11-24 09:00"))
    agent_set_status(agent=cast.agent_a, status="break", at=at("2026-11-24 10:30"))
    agent_set_status(agent=cast.agent_a, status="ready", at=at("2026-11-24 10:40"))
    agent_sign_out(agent=cast.agent_a, at=at("2026-11-24 18:00"))

    rows = list(AgentStatus.objects.filter(agent=cast.agent_a).order_by("started_at", "id"))
    assert [r.status for r in rows] == ["signed_in", "ready", "break", "ready", "offline"]
    on_break = rows[2]
    assert (on_break.ended_at - on_break.started_at).total_seconds() == 600
    assert not AgentStatus.objects.filter(agent=cast.agent_a, ended_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_second_break_in_the_team_is_refused_and_names_who_is_on_break(cast):
    from kefu.accounts.models import User
    from kefu.chat.presence import agent_set_status, agent_sign_in
    from kefu.errors import Conflict

    colleague = User.objects.create_user(
        "agent_a3", password="pw-123456", agent_no="2012", display_name="孙丽", team=cast.team_a
    )
    for agent in (cast.agent_a, colleague):
        agent_sign_in(agent=agent)
    agent_set_status(agent=cast.agent_a, status="break")
    with pytest.raises(Conflict) as refused:
        agent_set_status(agent=colleague, status="break")
    assert "王芳(2001)" in refused.value.message
    # when she is back, the colleague may go
    agent_set_status(agent=cast.agent_a, status="ready")
    assert agent_set_status(agent=colleague, status="break").status == "break"


@pytest.mark.django_db
def test_the_team_setting_allows_more_breaks(cast):
    from kefu.accounts.models import User
    from kefu.chat.presence import agent_set_status, agent_sign_in

    cast.team_a.max_on_break = 2
    cast.team_a.save()
    colleague = User.objects.create_user("agent_a3", password="pw-123456", agent_no="2012", team=cast.team_a)
    for agent in (cast.agent_a, colleague):
        agent_sign_in(agent=agent)
        agent_set_status(agent=agent, status="break")
    assert colleague.status_log.filter(ended_at__isnull=True).get().status == "break"


@pytest.mark.django_db
def test_an_offline_agent_must_sign_in_first(cast):
    from kefu.chat.presence import agent_set_status
    from kefu.errors import Conflict

    with pytest.raises(Conflict, match="请先签入"):
        agent_set_status(agent=cast.agent_a, status="ready")


@pytest.mark.django_db
def test_a_team_may_send_its_agents_straight_to_ready_on_signing_in(cast):
    from kefu.chat.presence import agent_set_status, agent_sign_in
    from kefu.errors import Conflict

    assert agent_sign_in(agent=cast.agent_a).status == "signed_in"  # preparing: no work, not after a call
    with pytest.raises(Conflict):
        agent_set_status(agent=cast.agent_a, status="wrap_up")  # 话后处理 follows a conversation
    cast.team_b.ready_on_sign_in = True
    cast.team_b.save()
    assert agent_sign_in(agent=cast.agent_b).status == "ready"


@pytest.fixture
def in_a_chat(cast, chat_start, ready):
    from kefu.chat.services import offer_claim

    ready(cast.agent_a)
    session = chat_start(visitor_name="王先生", at=at("2026-11-24 09:00"))
    offer_claim(offer_id=session.offers.get().pk, agent=cast.agent_a, at=at("2026-11-24 09:00"))
    return session


@pytest.mark.django_db
def test_an_agent_with_a_live_chat_can_neither_go_ready_nor_break_nor_sign_out(cast, in_a_chat):
    from kefu.chat.presence import agent_set_status, agent_sign_out, current_state
    from kefu.chat.services import chat_end
    from kefu.errors import Conflict

    for status in ("ready", "break"):
        with pytest.raises(Conflict) as refused:
            agent_set_status(agent=cast.agent_a, status=status, at=at("2026-11-24 09:05"))
        assert refused.value.code == "live_chats" and "1 个进行中的会话" in refused.value.message
    with pytest.raises(Conflict):
        agent_sign_out(agent=cast.agent_a, at=at("2026-11-24 09:05"))
    assert current_state(cast.agent_a) == "busy"
    chat_end(session=in_a_chat, actor=cast.agent_a, at=at("2026-11-24 09:10"))
    assert agent_sign_out(agent=cast.agent_a, at=at("2026-11-24 09:11")).status == "offline"


@pytest.mark.django_db
def test_wrap_up_ends_by_itself_after_the_teams_time_unless_extended(cast, in_a_chat):
    from kefu.chat.presence import agent_extend_wrap_up, current_state, current_status, wrap_up_sweep
    from kefu.chat.services import chat_end

    chat_end(session=in_a_chat, actor=cast.agent_a, at=at("2026-11-24 09:10"))
    row = current_status(cast.agent_a)
    assert row.status == "wrap_up" and row.until == at("2026-11-24 09:12")  # the team's 120 s
    assert wrap_up_sweep(at=at("2026-11-24 09:11")) == 0
    agent_extend_wrap_up(agent=cast.agent_a, at=at("2026-11-24 09:11"))
    assert current_status(cast.agent_a).until == at("2026-11-24 09:14")  # once more from when it would end
    assert wrap_up_sweep(at=at("2026-11-24 09:13")) == 0
    assert wrap_up_sweep(at=at("2026-11-24 09:14")) == 1
    row = current_status(cast.agent_a)
    assert row.status == "ready" and row.started_at == at("2026-11-24 09:14") and row.reason == "话后处理到时"
    assert current_state(cast.agent_a) == "ready"
