"""Automatic distribution: waiting work goes to an agent by itself (issue 12).

Every open offer (a new chat, a queued ticket) is given, most urgent first (VIP and complaints: the ticket's
priority; then the longest wait), to the agent who has been idle longest among the agents of a team serving its
brand who are 就绪 or 通话中 with room: each team sets how many conversations an agent holds at once
(``Team.chat_capacity``: the live chats plus the work assigned and not yet taken). The agent has
``Team.accept_seconds`` to take it (接起); after that it goes to the next agent, and every assignment and how it
ended is kept (OfferAssignment). A brand with ``overflow_after_seconds`` offers its work to its own team (the
first team serving it, its queue) first and to every team serving it once the customer has waited that long.

Safe under concurrency: an offer is locked while it is given (``FOR UPDATE SKIP LOCKED`` on PostgreSQL: two
distributions never take the same one) and so is the agent's row while their load is counted and raised (every
raise of a load happens here, under that lock), so no offer waits for two agents and no agent goes above
capacity. On SQLite every write transaction is taken one at a time. Distribution runs after the commit of what
makes work or room (a chat starts or ends, an agent sets 就绪) and every second in `kefu worker`, which also
takes back the assignments not accepted in time.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery

from kefu.accounts.models import Team, User
from kefu.chat.models import AgentStatus, ChatSession, Offer, OfferAssignment
from kefu.chat.push import agent_group, board_changed, push
from kefu.chat.rules import AgentState
from kefu.timeutil import local_now

log = logging.getLogger("kefu.distribution")

# who may be given more work: 就绪, or 通话中 below their capacity
TAKING = (AgentState.READY, AgentState.BUSY)
Outcome = OfferAssignment.Outcome


def open_offers():
    """Work not taken and not withdrawn."""
    return Offer.objects.filter(claimed_by__isnull=True, withdrawn_at__isnull=True)


def loads(agent_ids: Iterable[int]) -> dict[int, int]:
    """Each agent's load: their live chats and the work assigned to them and not yet taken."""
    ids = list(agent_ids)
    load: dict[int, int] = dict.fromkeys(ids, 0)
    for row in (
        ChatSession.objects.filter(agent_id__in=ids, state=ChatSession.State.ACTIVE)
        .values("agent_id")
        .annotate(n=Count("id"))
    ):
        load[row["agent_id"]] += row["n"]
    for row in open_offers().filter(assigned_to__in=ids).values("assigned_to").annotate(n=Count("id")):
        load[row["assigned_to"]] += row["n"]
    return load


def _teams(serving: list[int], overflow_after: int | None, created_at: datetime, at: datetime) -> list[int]:
    """The teams an offer may go to now, of the teams ``serving`` its brand (its own team first)."""
    if overflow_after is not None and (at - created_at).total_seconds() < overflow_after:
        return serving[:1]  # the brand's own team (its queue) until the customer has waited that long
    return serving


def _candidates(offer: Offer, at: datetime, teams: list[int]) -> list[User]:
    """The agents who may be given this offer now, longest idle first (their last assignment, then how long
    they have been in their present status), with the agents who already let it pass last."""
    last = (
        OfferAssignment.objects.filter(agent=OuterRef("pk"))
        .order_by("-assigned_at")
        .values("assigned_at")[:1]
    )
    since = AgentStatus.objects.filter(agent=OuterRef("pk"), ended_at__isnull=True).values("started_at")[:1]
    passed = set(
        OfferAssignment.objects.filter(offer=offer)
        .exclude(outcome=Outcome.PENDING)
        .values_list("agent_id", flat=True)
    )
    agents = list(
        User.objects.filter(
            is_active=True,
            team__in=teams,
            status_log__ended_at__isnull=True,
            status_log__status__in=TAKING,
        )
        .select_related("team")
        .annotate(last_assigned=Subquery(last), since=Subquery(since))
        .order_by(F("last_assigned").asc(nulls_first=True), "since", "pk")
    )
    return [a for a in agents if a.pk not in passed] + [a for a in agents if a.pk in passed]


def has_room(agent: User) -> bool:
    """Whether the agent may take one more (their team's capacity; an agent without a team: one at a time)."""
    capacity = agent.team.chat_capacity if agent.team_id else 1
    return loads([agent.pk])[agent.pk] < capacity


def lock_agent(agent: User, *, skip_locked: bool = False) -> bool:
    """Lock the agent's row for counting and raising their load (every raise takes it); with ``skip_locked``,
    False when another transaction holds it now instead of waiting for it."""
    return User.objects.select_for_update(skip_locked=skip_locked).filter(pk=agent.pk).exists()


def _taking(agent: User) -> bool:
    return AgentStatus.objects.filter(agent=agent, ended_at__isnull=True, status__in=TAKING).exists()


def assign(offer: Offer, agent: User, *, at: datetime, by: User | None = None) -> None:
    """Give the (locked, open, unassigned) offer to the (locked) agent, to be taken before their team's time."""
    seconds = agent.team.accept_seconds if agent.team_id else Team._meta.get_field("accept_seconds").default
    offer.assigned_to, offer.accept_by = agent, at + timedelta(seconds=seconds)
    offer.save(update_fields=["assigned_to", "accept_by"])
    OfferAssignment.objects.create(offer=offer, agent=agent, assigned_at=at, assigned_by=by)
    from kefu.chat.selectors import pop_payload

    offer_id = offer.pk
    push(agent_group(agent.pk), "offer.new", lambda: pop_payload(offer_id))
    board_changed(brands=[offer.brand_id])


def release(offer: Offer, outcome: str, *, at: datetime, note: str = "") -> None:
    """End the offer's pending assignment (not taken in time, withdrawn); the agent's pop goes away."""
    agent_id = offer.assigned_to_id
    if agent_id is None:
        return
    OfferAssignment.objects.filter(offer=offer, outcome=Outcome.PENDING).update(outcome=outcome, ended_at=at)
    Offer.objects.filter(pk=offer.pk).update(assigned_to=None, accept_by=None)
    offer.assigned_to, offer.accept_by = None, None
    push(agent_group(agent_id), "offer.gone", {"type": "offer_gone", "offer": offer.pk, "note": note})
    board_changed(brands=[offer.brand_id])


def _give(offer_id: int, teams: list[int], at: datetime) -> bool | None:
    """Give one offer to an agent of ``teams``: True given, False nobody there had room, None the offer was not
    there to give (taken, withdrawn, assigned, or being given by another distribution right now)."""
    with transaction.atomic():
        offer = (
            open_offers()
            .select_for_update(skip_locked=True, of=("self",))
            .filter(pk=offer_id, assigned_to__isnull=True)
            .first()
        )
        if offer is None:
            return None
        for agent in _candidates(offer, at, teams):
            # counted again under the agent's lock: their status and load as they are now
            if lock_agent(agent, skip_locked=True) and _taking(agent) and has_room(agent):
                assign(offer, agent, at=at)
                return True
    return False


def distribute(
    *, brand_ids: Iterable[int] | None = None, at: datetime | None = None, limit: int = 500
) -> int:
    """Give every open, unassigned offer (of these brands) that an agent has room for; how many were given.

    One pass reads each brand's teams once and remembers the teams found without room, so the offers only they
    could take cost nothing more (a thousand chats waiting for full teams: a few queries, not thousands). A
    team passed over because its agents were being given work elsewhere at that moment is tried again at the
    next change or second. Nobody 就绪 or 通话中: one query."""
    at = local_now(at)
    if not AgentStatus.objects.filter(ended_at__isnull=True, status__in=TAKING).exists():
        return 0
    waiting = open_offers().filter(assigned_to__isnull=True)
    if brand_ids is not None:
        waiting = waiting.filter(brand_id__in=list(brand_ids))
    rows = waiting.order_by("priority", "created_at", "id").values_list(
        "pk", "brand_id", "brand__overflow_after_seconds", "created_at"
    )[:limit]
    serving: dict[int, list[int]] = {}
    full: set[int] = set()
    given = 0
    for offer_id, brand_id, overflow_after, created_at in rows:
        if brand_id not in serving:
            serving[brand_id] = list(
                Team.objects.filter(brands=brand_id).order_by("id").values_list("pk", flat=True)
            )
        teams = _teams(serving[brand_id], overflow_after, created_at, at)
        if not teams or set(teams) <= full:
            continue
        outcome = _give(offer_id, teams, at)
        if outcome:
            given += 1
        elif outcome is False:
            full.update(teams)
    return given


def distribute_after_commit(brand_ids: Iterable[int] | None = None) -> None:
    """Distribute once what the transaction commits has made work or room; a failure waits for the next second's
    sweep."""
    brands = None if brand_ids is None else list(brand_ids)

    def run() -> None:
        try:
            distribute(brand_ids=brands)
        except Exception:
            log.exception("自动分配失败，下一轮重试")

    transaction.on_commit(run)


def offers_expire(*, at: datetime | None = None) -> int:
    """Take back the assignments not taken in time (logged as 超时未接); they go to the next agent."""
    at = local_now(at)
    expired = 0
    late = open_offers().filter(assigned_to__isnull=False, accept_by__lt=at)
    for offer_id in late.values_list("pk", flat=True):
        with transaction.atomic():
            offer = late.select_for_update(skip_locked=True, of=("self",)).filter(pk=offer_id).first()
            if offer is None:
                continue
            release(offer, Outcome.EXPIRED, at=at, note="未在时限内接起，已转给其他坐席")
            expired += 1
    return expired


def distribution_sweep(*, at: datetime | None = None) -> int:
    """What `kefu worker` runs every second: take back what was not taken in time, then give what waits."""
    offers_expire(at=at)
    return distribute(at=at)


def offer_assign(
    *, offer_id: int, actor: User, agent: User | None = None, agent_no: str = "", at: datetime | None = None
) -> Offer:
    """A supervisor gives waiting work to an agent (or the agent with 工号 ``agent_no``) by hand, taking it from
    whoever it waits for."""
    from kefu.accounts import access
    from kefu.errors import Conflict, NotFound

    at = local_now(at)
    access.require(actor, "chat.monitor")
    if agent is None:
        agent = (
            User.objects.filter(agent_no=agent_no.strip(), is_active=True).first()
            if agent_no.strip()
            else None
        )
        if agent is None:
            raise NotFound(f"没有工号为“{agent_no.strip()[:20]}”的坐席", field="agent_no")
    with transaction.atomic():
        offer = (
            open_offers()
            .select_for_update(of=("self",))
            .select_related("brand", "ticket")
            .filter(pk=offer_id)
            .first()
        )
        if offer is None or not access.serves(actor, offer.brand):
            raise NotFound("该任务不存在、已被接起或已撤回")
        if not access.serves(agent, offer.brand):
            raise Conflict(f"{agent} 不服务{offer.brand}", field="agent")
        lock_agent(agent)
        if not _taking(agent):
            raise Conflict(f"{agent} 不是就绪或通话中，不能分配", field="agent")
        if offer.assigned_to_id == agent.pk:
            return offer
        if not has_room(agent):
            raise Conflict(f"{agent} 已达同时接待上限", field="agent")
        release(offer, Outcome.WITHDRAWN, at=at, note=f"主管已改派给 {agent}")
        assign(offer, agent, at=at, by=actor)
    return offer


def withdraw_for(session: ChatSession, *, at: datetime) -> None:
    """The chat ended before anyone took it: its offers are withdrawn and their pops go away."""
    for offer in open_offers().filter(session=session).select_for_update(of=("self",)):
        release(offer, Outcome.WITHDRAWN, at=at, note="客户已离开")
        offer.withdrawn_at = at
        offer.save(update_fields=["withdrawn_at"])


def accepted(offer: Offer, agent: User, *, at: datetime) -> None:
    """The agent took the offer (kefu.chat.services.offer_claim): its assignment, or one for taking it from
    the waiting list, says so (and counts for who has been idle longest)."""
    if not OfferAssignment.objects.filter(offer=offer, outcome=Outcome.PENDING).update(
        outcome=Outcome.ACCEPTED, ended_at=at
    ):
        OfferAssignment.objects.create(
            offer=offer, agent=agent, assigned_at=at, ended_at=at, outcome=Outcome.ACCEPTED
        )


def waiting_for(agent: User) -> Q:
    """The offers an agent's desk lists: assigned to them, or waiting for anyone."""
    return Q(assigned_to=agent) | Q(assigned_to__isnull=True)
