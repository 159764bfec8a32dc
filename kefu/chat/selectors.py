"""Reads for chat, routing and presence: permission-checked lookups, the customer card, the supervisor board."""

import time as time_module
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Min, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.template.loader import render_to_string
from django.utils import timezone

from kefu.accounts import access
from kefu.accounts.models import Team, User
from kefu.brands.models import Brand
from kefu.chat import distribution, rules
from kefu.chat.attendance import Period, summarize
from kefu.chat.models import LIVE_STATES, AgentStatus, ChatMessage, ChatSession, Offer
from kefu.chat.rules import STATE_LABELS, AgentState
from kefu.customers.models import Customer
from kefu.customers.rules import mask_phone
from kefu.customers.selectors import TimelineEntry, is_returning, phone_for
from kefu.errors import NotFound, ServiceError
from kefu.rules.selectors import brand_checker
from kefu.standards import compliance
from kefu.tickets.models import SlaClock, Ticket, TicketEvent
from kefu.tickets.selectors import open_tickets_of
from kefu.timeutil import local_now


def agent_state(agent: User) -> tuple[AgentState, datetime | None]:
    row = AgentStatus.objects.filter(agent=agent, ended_at__isnull=True).first()
    return (AgentState(row.status), row.started_at) if row else (AgentState.OFFLINE, None)


def status_log(agent: User, *, limit: int = 20) -> QuerySet[AgentStatus]:
    return AgentStatus.objects.filter(agent=agent).order_by("-started_at", "-id")[:limit]


def open_offers_for(user: User) -> QuerySet[Offer]:
    """Work of the brands the user serves given to them or waiting for anyone: VIP and complaints first
    (priority), then oldest."""
    return (
        Offer.objects.filter(
            distribution.waiting_for(user),
            claimed_by__isnull=True,
            withdrawn_at__isnull=True,
            brand__in=access.brands_for(user),
        )
        .select_related("ticket", "ticket__customer", "ticket__type", "brand", "session")
        .order_by("priority", "created_at", "id")
    )


def pop_payload(offer_id: int) -> dict | None:
    """The screen pop of work given to an agent (kefu.chat.distribution): the card as HTML with the phone
    masked, and in full for a role that may see it, and how long the agent has to take it. None when the offer
    is no longer waiting for an agent: nothing to pop.

    The desk that shows the pop writes its line in the customer's access log (kefu.chat.consumers).
    """
    offer = (
        Offer.objects.select_related("ticket", "ticket__customer", "ticket__type", "brand", "session")
        .filter(pk=offer_id, claimed_by__isnull=True, withdrawn_at__isnull=True, assigned_to__isnull=False)
        .first()
    )
    if offer is None:
        return None
    visitor = offer.session if offer.session_id else None
    card = customer_card(
        offer.ticket.customer,
        None,
        full_phone=False,
        before=offer.ticket.created_at,
        visitor_name=visitor.visitor_name if visitor else "",
        visitor_phone=visitor.visitor_phone if visitor else "",
    )
    if visitor:  # what the customer asked, so the agent knows before taking it (services._open_ticket)
        card["first_message"] = offer.ticket.description
    full = {**card}
    if card["known"]:
        full["phone"] = offer.ticket.customer.phone
    elif card["visitor_phone"]:
        full["visitor_phone"] = visitor.visitor_phone
    return {
        "offer": offer.pk,
        "brand": offer.brand_id,
        "ticket": offer.ticket.number,
        "customer": offer.ticket.customer_id,
        "agent": offer.assigned_to_id,
        "html": {
            "masked": render_to_string("chat/_pop.html", {"offer": offer, "card": card}),
            "full": render_to_string("chat/_pop.html", {"offer": offer, "card": full}),
        },
    }


def session_for_token(token: str) -> ChatSession:
    session = ChatSession.objects.select_related("brand", "ticket").filter(token=token).first()
    if session is None:
        raise NotFound("会话不存在或已失效", field="token")
    return session


def reply_check(
    text: str, user: User, session_id: int | None = None, *, brand: str = "", channel: str = "chat"
) -> dict[str, object]:
    """The as-you-type check: what the gate would find, for the session's brand (a chat reply) or for ``brand``
    on ``channel`` (phone, chat or email: what an agent is about to say or write)."""
    if session_id:
        found, channel = session_for_user(session_id, user).brand, "chat"
    else:
        found = access.brand_get_for_user(brand, user) if brand else None
    if channel not in ("phone", "chat", "email"):
        raise ServiceError("渠道应为 phone、chat 或 email", field="channel")
    checker = brand_checker(found) if found else compliance.get_checker("generic")
    return compliance.report(text, compliance.assess(text, channel, checker=checker))


def session_for_user(session_id: int, user: User) -> ChatSession:
    return access.get_for_user(
        ChatSession.objects.select_related("brand", "ticket", "agent", "customer"),
        user,
        "会话",
        pk=session_id,
    )


def message_payload(message: ChatMessage) -> dict:
    """A message as both sides see it (violations and override reasons stay on the agent's side)."""
    return {
        "id": message.pk,
        "session": message.session_id,
        "seq": message.seq,
        "client_id": message.client_id,
        "sender": message.sender,
        "body": message.body,
        "at": timezone.localtime(message.created_at).strftime("%H:%M:%S"),
        "author": message.author.agent_no if message.author_id and message.author else None,
        "image": f"/chat/attachments/{message.pk}/" if message.attachment else None,
    }


def chat_messages(session: ChatSession) -> list[ChatMessage]:
    return list(session.messages.select_related("author").order_by("seq"))


# The messages kefu sends in a chat on the agent's behalf, by client id (exact, or prefix ending in "-"),
# and the script each one is: the customer reads them as the agent's opening and closing.
SYSTEM_SCRIPTS = {"greeting": "opening", "joined-": "opening", "takeover-": "takeover", "ended": "closing"}


def _system_script(client_id: str) -> str | None:
    for key, script in SYSTEM_SCRIPTS.items():
        if client_id == key or (key.endswith("-") and client_id.startswith(key)):
            return script
    return None


def _turn(m: ChatMessage) -> dict:
    turn = {
        "speaker": "customer" if m.sender == ChatMessage.Sender.CUSTOMER else "agent",
        "text": m.body,
        "at": timezone.localtime(m.created_at).isoformat(),
    }
    if m.sender == ChatMessage.Sender.SYSTEM:
        turn["sent_by"] = "system"
        script = _system_script(m.client_id)
        if script:
            turn["script"] = script
    return turn


def chat_transcript(session: ChatSession, *, ended_by: str | None = None) -> dict:
    """The conversation in the QA engine's transcript format (see kefu/standards/transcript.py): every
    message the customer saw, kefu's own as the agent's turns sent by the system, and the promises the
    agent recorded on the ticket (hand-offs) while the chat ran."""
    turns = [_turn(m) for m in session.messages.order_by("seq") if m.body]
    promises = [
        {"text": e.body, "at": timezone.localtime(e.at).isoformat()}
        for e in session.ticket.events.filter(
            kind=TicketEvent.Kind.HANDED_OFF, at__gte=session.started_at
        ).order_by("at")
        if e.body
    ]
    data = {
        "channel": "chat",
        "profile": session.brand.profile,
        "brand": session.brand.code,
        "ticket_type": session.ticket.type.code,  # by its code: renaming a type keeps its targets
        "agent_no": session.agent.agent_no if session.agent_id else None,
        "started_at": timezone.localtime(session.started_at).isoformat(),
        "turns": turns,
        "promises": promises,
        "outcome": "normal",
    }
    if turns:
        data["ended_at"] = turns[-1]["at"]
    if ended_by:
        data["ended_by"] = ended_by
    return data


def last_rating(customer: Customer) -> ChatSession | None:
    return customer.chats.filter(rating__isnull=False).order_by("-rated_at").first()


def customer_card(
    customer: Customer | None,
    user: User | None,
    *,
    full_phone: bool | None = None,
    before: datetime | None = None,
    visitor_name: str = "",
    visitor_phone: str = "",
) -> dict:
    """What pops on the agent's screen: new or returning, VIP, open tickets, recent waybills, last rating.

    Without a customer (a chat visitor whose identity the brand's website did not sign) the card is 未验证:
    the name and phone the visitor typed, shown as theirs, and no history at all. The phone is shown as
    ``user``'s role allows, or masked (``full_phone=False``) for a card made once for many screens.
    """

    def phone(number: str) -> str:
        if full_phone is None:
            return phone_for(Customer(phone=number), user)  # an unsaved record: nothing is looked up
        return number if full_phone else mask_phone(number)

    if customer is None:
        return {
            "known": False,
            "verified": False,
            "name": visitor_name or "访客",
            # masked for agents as any customer's phone is
            "visitor_phone": phone(visitor_phone) if visitor_phone else "",
            "returning": False,
        }
    tickets = Ticket.objects.filter(customer=customer)
    if before is not None:
        # the work that just arrived is not one of the customer's earlier tickets
        tickets = tickets.filter(created_at__lt=before)
    open_tickets = open_tickets_of(customer, before=before)
    waybills = []
    recent = (
        tickets.exclude(waybill_number="").order_by("-created_at").values_list("waybill_number", flat=True)
    )
    for number in recent[:50]:  # the newest tickets' numbers, not all of a big customer's history
        if number not in waybills:
            waybills.append(number)
        if len(waybills) == 5:
            break
    rated = last_rating(customer)
    return {
        "known": True,
        "customer": customer,
        "name": customer.name,
        "salutation": customer.salutation,
        "phone": phone(customer.phone),
        "vip_level": customer.vip_level,
        "returning": is_returning(customer, before=before),
        "open_tickets": open_tickets,
        "waybills": waybills,
        "last_rating": rated.rating if rated else None,
    }


def chat_timeline_entries(customer: Customer, limit: int) -> list[TimelineEntry]:
    entries = []
    chats = customer.chats.filter(ticket__isnull=False).select_related("ticket").order_by("-started_at")
    for chat in chats[:limit]:
        detail = f"满意度 {chat.rating} 分" if chat.rating else chat.get_state_display()
        entries.append(
            TimelineEntry(
                at=chat.started_at, kind="chat", title="在线会话", detail=detail, ref=chat.ticket.number
            )
        )
    return entries


LIVE_SHOWN = 100  # live chats a board lists per brand, longest-running first; the rest are counted
WAIT_LONG_SECONDS = 45  # a wait the board shows in red


def _ts(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


def _waiting_since() -> Subquery:
    """When a chat's customer started waiting: their first message after the agent's last reply (None: they
    are not waiting)."""
    last_reply = ChatMessage.objects.filter(
        session=OuterRef(OuterRef("pk")), sender=ChatMessage.Sender.AGENT
    ).order_by("-seq")
    first_unanswered = ChatMessage.objects.filter(
        session=OuterRef("pk"),
        sender=ChatMessage.Sender.CUSTOMER,
        seq__gt=Coalesce(Subquery(last_reply.values("seq")[:1]), 0),
    ).order_by("seq")
    return Subquery(first_unanswered.values("created_at")[:1])


def my_conversations(agent: User, *, current: int | None = None, now: datetime | None = None) -> dict:
    """The agent's live conversations, in the order they took them: who, what they said last, how many of
    their messages the agent has not read, since when they wait for an answer, and the ticket's most urgent
    open SLA clock. ``current``: the session on the agent's screen (its messages are being read)."""
    now = local_now(now)
    customer_says = ChatMessage.objects.filter(session=OuterRef("pk"), sender=ChatMessage.Sender.CUSTOMER)
    unread = (
        customer_says.filter(seq__gt=OuterRef("agent_read_seq"))
        .order_by()
        .values("session")
        .annotate(n=Count("id"))
        .values("n")
    )
    sessions = list(
        ChatSession.objects.filter(agent=agent, state=ChatSession.State.ACTIVE, ticket__isnull=False)
        .annotate(
            unread=Coalesce(Subquery(unread), 0),
            waiting_since=_waiting_since(),
            last_said=Subquery(customer_says.order_by("-seq").values("body")[:1]),
        )
        .select_related("brand", "ticket")
        .order_by("accepted_at", "id")
    )
    urgent: dict[int, SlaClock] = {}
    for clock in SlaClock.objects.filter(
        ticket_id__in=[s.ticket_id for s in sessions],
        met_at__isnull=True,
        replaced_at__isnull=True,
        paused_at__isnull=True,
    ).order_by("-due_at"):
        urgent[clock.ticket_id] = clock  # the earliest due last, so it stays
    rows = []
    for s in sessions:
        clock = urgent.get(s.ticket_id)
        rows.append(
            {
                "session": s.pk,
                "ticket": s.ticket.number,
                "visitor": s.visitor_name or "访客",
                "brand": s.brand.name,
                "current": s.pk == current,
                "unread": 0 if s.pk == current else s.unread,
                "last_said": s.last_said or "",
                "waiting_since": s.waiting_since,
                "clock": clock.name if clock else "",
                "due_at": clock.due_at if clock else None,
                "late": bool(clock and (clock.breached_at or clock.due_at <= now)),
            }
        )
    capacity = agent.team.chat_capacity if agent.team_id else None
    # a customer waiting this long is shown so (the workspace's hold prompt asks for a word to them then)
    return {"conversations": rows, "capacity": capacity, "long_after": rules.setting("hold_prompt_seconds")}


def board_parts(brand_ids: Iterable[int], *, now: datetime | None = None) -> dict[int, dict]:
    """The supervisor board, one part per brand: the agents of the teams serving it with their status, its
    queue, its live chats with how long each customer has been waiting. JSON-ready (times as timestamps).

    Computed once per change and sent to every board showing the brand (kefu.chat.push.board_changed), in the
    same seven queries whatever the number of brands, agents, chats or supervisors watching.
    """
    now = local_now(now)
    computed = time_module.time()  # which of two parts of a brand is newer, for a board that gets both
    ids = sorted(set(brand_ids))
    if not ids:
        return {}
    parts: dict[int, dict] = {
        b["pk"]: {
            "at": computed,
            "now": now.timestamp(),  # kefu's clock (a test or the demo may set it): durations count from it
            "brand": {"id": b["pk"], "code": b["code"], "name": b["name"]},
            "agents": [],
            "queue": {"waiting": 0, "oldest": None},
            "live": [],
            "live_total": 0,
        }
        for b in Brand.objects.filter(pk__in=ids).values("pk", "code", "name")
    }
    team_brands: dict[int, list[int]] = {}
    for team_id, brand_id in Team.brands.through.objects.filter(brand_id__in=ids).values_list(
        "team_id", "brand_id"
    ):
        team_brands.setdefault(team_id, []).append(brand_id)
    open_status = AgentStatus.objects.filter(agent=OuterRef("pk"), ended_at__isnull=True)
    agents = (
        User.objects.filter(agent_no__isnull=False, is_active=True, team_id__in=list(team_brands))
        .select_related("team")
        .annotate(
            open_status=Subquery(open_status.values("status")[:1]),
            open_since=Subquery(open_status.values("started_at")[:1]),
        )
        .order_by("agent_no")
    )
    for agent in agents:
        state = AgentState(agent.open_status) if agent.open_status else AgentState.OFFLINE
        row = {
            "id": agent.pk,
            "agent_no": agent.agent_no,
            "name": agent.display_name or agent.username,
            "team": agent.team.name,
            "state": state.value,
            "label": STATE_LABELS[state],
            "since": _ts(agent.open_since),
        }
        for brand_id in team_brands[agent.team_id]:
            if brand_id in parts:
                parts[brand_id]["agents"].append(row)
    waiting = Offer.objects.filter(claimed_by__isnull=True, withdrawn_at__isnull=True, brand_id__in=ids)
    for r in waiting.values("brand").annotate(n=Count("id"), oldest=Min("created_at")).order_by():
        parts[r["brand"]]["queue"] = {"waiting": r["n"], "oldest": _ts(r["oldest"])}
    live = (
        # state IN (waiting, active): the partial index of live sessions (a NOT ended would read every chat)
        # a visitor who has not said anything yet is nobody's work (no ticket, nothing to answer)
        ChatSession.objects.filter(brand_id__in=ids, state__in=LIVE_STATES, ticket__isnull=False)
        .annotate(
            waiting_since=_waiting_since(),
            place=Window(RowNumber(), partition_by=[F("brand_id")], order_by=[F("started_at"), F("id")]),
            of=Window(Count("id"), partition_by=[F("brand_id")]),
        )
        .filter(place__lte=LIVE_SHOWN)
        .select_related("agent", "ticket")
        .order_by("started_at", "id")
    )
    labels = dict(ChatSession.State.choices)
    for session in live:
        since = session.waiting_since or (
            session.started_at if session.state == ChatSession.State.WAITING else None
        )
        part = parts[session.brand_id]
        part["live_total"] = session.of
        part["live"].append(
            {
                "id": session.pk,
                "ticket": session.ticket.number,
                "visitor": session.visitor_name or "访客",
                "agent": str(session.agent) if session.agent_id else None,
                "agent_no": session.agent.agent_no if session.agent_id else None,
                "state": session.state,
                "state_label": labels[session.state],
                "started": session.started_at.timestamp(),
                "wait_since": _ts(since),
            }
        )
    return parts


def board_merge(parts: Iterable[dict], *, now: datetime) -> dict:
    """The brands' parts as one board for one viewer: each agent once, queues by brand, chats by start;
    durations in seconds at ``now`` (the page); the same merge runs in the browser on every push."""
    agents: dict[int, dict] = {}
    queues, live, live_total, shown = [], [], 0, 0
    at = now.timestamp()

    def seconds(ts: float | None) -> int | None:
        return max(0, int(at - ts)) if ts is not None else None

    for part in sorted(parts, key=lambda p: p["brand"]["code"]):
        for agent in part["agents"]:
            agents.setdefault(agent["id"], {**agent, "seconds": seconds(agent["since"])})
        queues.append(
            {**part["queue"], "brand": part["brand"], "oldest_seconds": seconds(part["queue"]["oldest"])}
        )
        live += [
            {**row, "brand": part["brand"], "wait_seconds": seconds(row["wait_since"]) or 0}
            for row in part["live"]
        ]
        live_total += part["live_total"]
        shown += len(part["live"])
    return {
        "agents": sorted(agents.values(), key=lambda a: a["agent_no"]),
        "queues": queues,
        "live": sorted(live, key=lambda r: (r["started"], r["id"])),
        "live_hidden": live_total - shown,
        "now": now,
        "wait_long": WAIT_LONG_SECONDS,
    }


def supervisor_board(user: User, *, now: datetime | None = None) -> dict:
    """Who is in which status and for how long; queues per brand; live chats with their wait; SLA breaches —
    for the brands ``user`` serves. ``parts`` are what the page's socket keeps up to date (board_parts)."""
    from kefu.tickets.selectors import breaches_for

    access.require(user, "chat.monitor")
    now = local_now(now)
    parts = board_parts(access.brands_for(user).values_list("pk", flat=True), now=now)
    return {
        **board_merge(parts.values(), now=now),
        "parts": {"parts": parts, "now": now.timestamp()},
        "breaches": list(breaches_for(user)[:15]),
    }


def agents_seen_by(user: User) -> QuerySet[User]:
    """Active agents of the teams serving the brands ``user`` serves (a supervisor's board and attendance)."""
    teams = Team.objects.filter(brands__in=access.brands_for(user)).values("pk")
    return User.objects.filter(agent_no__isnull=False, is_active=True, team__in=teams).select_related("team")


def attendance_day(day: date, user: User, *, now: datetime | None = None) -> list[dict]:
    """Every agent's attendance and occupancy on `day` (of the teams ``user`` oversees), by team, from the status
    log.

    The shift a team is held to is its brands' service hours (earliest start, latest end); a team serving
    a round-the-clock brand works rosters kefu does not know, so it is held to none.
    """
    access.require(user, "chat.monitor")
    now = local_now(now)
    day_start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    day_end = day_start + timedelta(days=1)
    agents = list(agents_seen_by(user).order_by("team__name", "agent_no"))
    ids = [a.pk for a in agents]
    # Only the day's rows, and for each agent the one row before it (the status they were in at midnight,
    # found through the (agent, started_at) index): never the whole history.
    last_before = (
        AgentStatus.objects.filter(agent=OuterRef("pk"), started_at__lt=day_start)
        .order_by("-started_at", "-id")
        .values("pk")[:1]
    )
    at_start = AgentStatus.objects.filter(
        pk__in=User.objects.filter(pk__in=ids).annotate(row=Subquery(last_before)).values("row")
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=day_start))
    during = AgentStatus.objects.filter(agent_id__in=ids, started_at__gte=day_start, started_at__lt=day_end)
    periods: dict[int, list[Period]] = {}
    for row in [*at_start, *during]:
        periods.setdefault(row.agent_id, []).append(Period(row.status, row.started_at, row.ended_at))
    shifts = _team_shifts({a.team_id for a in agents})
    rows = []
    for agent in agents:
        shift = shifts.get(agent.team_id)
        summary = summarize(periods.get(agent.pk, []), day_start=day_start, now=now, shift=shift)
        rows.append({"agent": agent, "day": summary, "shift": shift})
    return rows


def _team_shifts(team_ids: set[int]) -> dict[int, tuple[time, time] | None]:
    """Each team's shift, for all the teams in one query: its brands' service hours, earliest start to latest
    end; none when one of them runs round the clock."""
    hours: dict[int, list[tuple[time, time]]] = {pk: [] for pk in team_ids}
    for team_id, start, end in Brand.objects.filter(teams__in=team_ids).values_list(
        "teams", "service_start", "service_end"
    ):
        if team_id in hours:
            hours[team_id].append((start, end))
    return {pk: _shift_of(h) for pk, h in hours.items()}


def _shift_of(hours: list[tuple[time, time]]) -> tuple[time, time] | None:
    if not hours or any(start >= end for start, end in hours):
        return None
    return min(start for start, _ in hours), max(end for _, end in hours)
