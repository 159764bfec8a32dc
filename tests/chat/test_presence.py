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
    assert [r.status for r in rows] == ["wrap_up", "ready", "break", "ready", "offline"]
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
