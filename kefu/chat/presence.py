"""Writes for agent presence: 签入/签退 and every status change, each one a row with its time."""

from datetime import datetime

from django.db import transaction

from kefu.accounts.models import Team, User
from kefu.chat import distribution, rules
from kefu.chat.models import AgentStatus
from kefu.chat.push import board_changed
from kefu.chat.rules import STATE_LABELS, AgentState
from kefu.errors import Conflict, ServiceError
from kefu.timeutil import local_now


def current_status(agent: User) -> AgentStatus | None:
    return AgentStatus.objects.filter(agent=agent, ended_at__isnull=True).first()


def current_state(agent: User) -> AgentState:
    row = current_status(agent)
    return AgentState(row.status) if row else AgentState.OFFLINE


def agent_set_status(
    *, agent: User, status: str, at: datetime | None = None, reason: str = ""
) -> AgentStatus | None:
    """Change an agent's status; the break limit of the team is checked under a lock on the team row."""
    at = local_now(at)
    try:
        target = AgentState(status)
    except ValueError as exc:
        raise ServiceError(f"未知的坐席状态“{status}”", field="status") from exc
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=agent.pk).first()
        row = current_status(agent)
        current = AgentState(row.status) if row else AgentState.OFFLINE
        if current == target and target != AgentState.BUSY:
            return row
        if current == target:
            return row
        if not rules.can_change(current, target):
            if current == AgentState.OFFLINE:
                raise Conflict("请先签入", code="not_signed_in", field="status")
            raise Conflict(
                f"不能从“{STATE_LABELS[current]}”直接切换为“{STATE_LABELS[target]}”", field="status"
            )
        if target == AgentState.BREAK:
            _check_break_allowed(agent)
        if row is not None:
            row.ended_at = at
            row.save(update_fields=["ended_at"])
        new = None
        if target != AgentState.OFFLINE:
            new = AgentStatus.objects.create(agent=agent, status=target, started_at=at, reason=reason[:100])
        else:
            # 签退 is a row too, so the log shows when the agent left.
            new = AgentStatus.objects.create(
                agent=agent, status=target, started_at=at, ended_at=at, reason=reason[:100]
            )
        board_changed(agents=[agent.pk])
        if target == AgentState.READY:
            distribution.distribute_after_commit()  # the agent has room: the work waiting for them
    return new


def _check_break_allowed(agent: User) -> None:
    """000 工作操守 3.6: 每次只能有一位员工离开岗位 — the team setting says how many at once."""
    if agent.team_id is None:
        return
    team = Team.objects.select_for_update().get(pk=agent.team_id)
    on_break = list(
        AgentStatus.objects.filter(ended_at__isnull=True, status=AgentState.BREAK, agent__team=team)
        .exclude(agent=agent)
        .select_related("agent")
    )
    if len(on_break) >= team.max_on_break:
        names = "、".join(str(r.agent) for r in on_break)
        raise Conflict(
            f"{team.name}同时小休最多 {team.max_on_break} 人，{names} 正在小休，请稍后再申请",
            code="break_full",
            field="status",
        )


def agent_sign_in(*, agent: User, at: datetime | None = None) -> AgentStatus | None:
    """签入: the agent is at the desk; work is offered only after they set 就绪 (000 日常工作流程 2)."""
    if not agent.agent_no:
        raise ServiceError("没有工号的账号不能签入")
    if current_state(agent) != AgentState.OFFLINE:
        return current_status(agent)
    return agent_set_status(agent=agent, status=AgentState.WRAP_UP, at=at, reason="签入")


def agent_sign_out(*, agent: User, at: datetime | None = None) -> AgentStatus | None:
    """签退 (000 工作操守 3.12)."""
    if current_state(agent) == AgentState.BUSY:
        raise Conflict("请先结束正在进行的会话再签退", field="status")
    return agent_set_status(agent=agent, status=AgentState.OFFLINE, at=at, reason="签退")
