"""Writes for agent presence: 签入/签退 and every status change, each one a row with its time."""

from datetime import datetime, timedelta

from django.db import transaction

from kefu.accounts.models import Team, User
from kefu.chat import distribution, rules
from kefu.chat.models import AgentStatus, ChatSession
from kefu.chat.push import board_changed
from kefu.chat.rules import STATE_LABELS, AgentState
from kefu.errors import Conflict, ServiceError
from kefu.timeutil import local_now


def current_status(agent: User) -> AgentStatus | None:
    return AgentStatus.objects.filter(agent=agent, ended_at__isnull=True).first()


def current_state(agent: User) -> AgentState:
    row = current_status(agent)
    return AgentState(row.status) if row else AgentState.OFFLINE


LEAVING = (AgentState.READY, AgentState.BREAK, AgentState.OFFLINE)  # not while conversations are live


def _live_chats(agent: User) -> int:
    return ChatSession.objects.filter(agent=agent, state=ChatSession.State.ACTIVE).count()


def agent_set_status(
    *, agent: User, status: str, at: datetime | None = None, reason: str = ""
) -> AgentStatus | None:
    """Change an agent's status; the break limit of the team is checked under a lock on the team row. An agent
    with live conversations stays 通话中 (or 话后处理) until they are ended or handed over: 就绪 would ask for
    more than the team's capacity, 小休 and 签退 would leave customers with nobody."""
    at = local_now(at)
    try:
        target = AgentState(status)
    except ValueError as exc:
        raise ServiceError(f"未知的坐席状态“{status}”", field="status") from exc
    return _change(agent, target, at=at, reason=reason)


def _change(
    agent: User, target: AgentState, *, at: datetime, reason: str, signing_in: bool = False
) -> AgentStatus | None:
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=agent.pk).first()
        row = current_status(agent)
        current = AgentState(row.status) if row else AgentState.OFFLINE
        if current == target:
            return row
        if current == AgentState.OFFLINE and not signing_in:
            raise Conflict("请先签入", code="not_signed_in", field="status")
        live = _live_chats(agent) if target in LEAVING else 0
        if live:
            raise Conflict(
                f"您还有 {live} 个进行中的会话，请先结束或转交后再切换为“{STATE_LABELS[target]}”"
                "（通话中有余量时系统会继续为您分配）",
                code="live_chats",
                field="status",
            )
        if not rules.can_change(current, target):
            raise Conflict(
                f"不能从“{STATE_LABELS[current]}”直接切换为“{STATE_LABELS[target]}”", field="status"
            )
        if target == AgentState.BREAK:
            _check_break_allowed(agent)
        if row is not None:
            row.ended_at = at
            row.save(update_fields=["ended_at"])
        new = AgentStatus.objects.create(
            agent=agent,
            status=target,
            started_at=at,
            # 签退 is a row too, so the log shows when the agent left.
            ended_at=at if target == AgentState.OFFLINE else None,
            until=_wrap_up_until(agent, at) if target == AgentState.WRAP_UP else None,
            reason=reason[:100],
        )
        board_changed(agents=[agent.pk])
        if target == AgentState.READY:
            distribution.distribute_after_commit()  # the agent has room: the work waiting for them
    return new


def _wrap_up_until(agent: User, start: datetime) -> datetime | None:
    seconds = agent.team.wrap_up_seconds if agent.team_id else Team._meta.get_field("wrap_up_seconds").default
    return start + timedelta(seconds=seconds) if seconds else None


def agent_extend_wrap_up(*, agent: User, at: datetime | None = None) -> AgentStatus:
    """延长话后处理: the team's wrap-up time once more, from now or from when it would have ended."""
    at = local_now(at)
    with transaction.atomic():
        row = AgentStatus.objects.select_for_update().filter(agent=agent, ended_at__isnull=True).first()
        if row is None or row.status != AgentState.WRAP_UP:
            raise Conflict("只有“话后处理”中才能延长", code="not_wrap_up", field="status")
        extended = _wrap_up_until(agent, max(row.until or at, at))
        if extended is None:
            raise Conflict("本班组的话后处理不会自动结束，无需延长", code="no_limit", field="status")
        row.until = extended
        row.save(update_fields=["until"])
        board_changed(agents=[agent.pk])
    return row


def wrap_up_sweep(*, at: datetime | None = None) -> int:
    """What runs every second: each 话后处理 past its time becomes 就绪 (the agent has live chats again:
    通话中); how many ended."""
    at = local_now(at)
    ended = 0
    for row in AgentStatus.objects.filter(
        ended_at__isnull=True, status=AgentState.WRAP_UP, until__lte=at
    ).select_related("agent"):
        target = AgentState.BUSY if _live_chats(row.agent) else AgentState.READY
        try:
            _change(row.agent, target, at=at, reason="话后处理到时")
        except ServiceError:  # changed meanwhile (the agent, another sweep): nothing to do
            continue
        ended += 1
    return ended


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
    """签入: the agent is at the desk, 已签入 until they set 就绪 (000 日常工作流程 2: 一切准备工作就绪后，状态调整为
    就绪), or 就绪 at once where their team says so."""
    if not agent.agent_no:
        raise ServiceError("没有工号的账号不能签入")
    if current_state(agent) != AgentState.OFFLINE:
        return current_status(agent)
    ready = agent.team_id is not None and agent.team.ready_on_sign_in
    target = AgentState.READY if ready else AgentState.SIGNED_IN
    return _change(agent, target, at=local_now(at), reason="签入", signing_in=True)


def agent_sign_out(*, agent: User, at: datetime | None = None) -> AgentStatus | None:
    """签退 (000 工作操守 3.12), once every conversation is ended or handed over."""
    return agent_set_status(agent=agent, status=AgentState.OFFLINE, at=at, reason="签退")


ACTIONS = {"sign_in": agent_sign_in, "sign_out": agent_sign_out, "extend_wrap_up": agent_extend_wrap_up}


def agent_act(*, agent: User, action: str, at: datetime | None = None):
    """What the desk's status bar and the API ask for: 签入, 签退, 延长话后处理, or a status by its code."""
    if action in ACTIONS:
        return ACTIONS[action](agent=agent, at=at)
    return agent_set_status(agent=agent, status=action, at=at)
