"""Reads for chat, routing and presence: permission-checked lookups, the customer card, the supervisor board."""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from kefu.accounts import access
from kefu.accounts.models import Team, User
from kefu.brands.models import Brand
from kefu.chat.attendance import Period, summarize
from kefu.chat.models import AgentStatus, ChatMessage, ChatSession, Offer
from kefu.chat.rules import STATE_LABELS, AgentState
from kefu.customers.models import Customer
from kefu.customers.selectors import TimelineEntry, is_returning, phone_for
from kefu.errors import NotFound
from kefu.standards import compliance
from kefu.tickets.models import Ticket, TicketEvent
from kefu.tickets.rules import OPEN_STATUSES
from kefu.timeutil import local_now


def agent_state(agent: User) -> tuple[AgentState, datetime | None]:
    row = AgentStatus.objects.filter(agent=agent, ended_at__isnull=True).first()
    return (AgentState(row.status), row.started_at) if row else (AgentState.OFFLINE, None)


def status_log(agent: User, *, limit: int = 20) -> QuerySet[AgentStatus]:
    return AgentStatus.objects.filter(agent=agent).order_by("-started_at", "-id")[:limit]


def open_offers_for(user: User) -> QuerySet[Offer]:
    """Work waiting for the brands the user serves: VIP and complaints first (priority), then oldest."""
    return (
        Offer.objects.filter(
            claimed_by__isnull=True, withdrawn_at__isnull=True, brand__in=access.brands_for(user)
        )
        .select_related("ticket", "ticket__customer", "ticket__type", "brand", "session")
        .order_by("priority", "created_at", "id")
    )


def offer_payload(offer: Offer) -> dict:
    return {
        "type": "offer",
        "offer": offer.pk,
        "brand": offer.brand_id,
        "ticket": offer.ticket.number,
        "priority": offer.priority,
    }


def session_for_token(token: str) -> ChatSession:
    session = ChatSession.objects.select_related("brand", "ticket").filter(token=token).first()
    if session is None:
        raise NotFound("会话不存在或已失效", field="token")
    return session


def reply_check(text: str, user: User, session_id: int | None = None) -> dict[str, object]:
    """The as-you-type check of a chat reply: what the gate would find, for the session's brand."""
    profile = session_for_user(session_id, user).brand.profile if session_id else "generic"
    return compliance.report(text, compliance.assess(text, "chat", profile))


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
        "ticket_type": session.ticket.type.name,
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
    user: User,
    *,
    before: datetime | None = None,
    visitor_name: str = "",
    visitor_phone: str = "",
) -> dict:
    """What pops on the agent's screen: new or returning, VIP, open tickets, recent waybills, last rating.

    Without a customer (a chat visitor whose identity the brand's website did not sign) the card is 未验证:
    the name and phone the visitor typed, shown as theirs, and no history at all.
    """
    if customer is None:
        return {
            "known": False,
            "verified": False,
            "name": visitor_name or "访客",
            # masked for agents as any customer's phone is (an unsaved record: nothing is looked up)
            "visitor_phone": phone_for(Customer(phone=visitor_phone), user) if visitor_phone else "",
            "returning": False,
        }
    tickets = Ticket.objects.filter(customer=customer).select_related("type")
    if before is not None:
        # the work that just arrived is not one of the customer's earlier tickets
        tickets = tickets.filter(created_at__lt=before)
    open_tickets = list(
        tickets.filter(status__in=[s.value for s in OPEN_STATUSES]).order_by("-created_at")[:5]
    )
    waybills = []
    recent = tickets.exclude(waybill_number="").order_by("-created_at").values_list("waybill_number", flat=True)
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
        "phone": phone_for(customer, user),
        "vip_level": customer.vip_level,
        "returning": is_returning(customer, before=before),
        "open_tickets": open_tickets,
        "waybills": waybills,
        "last_rating": rated.rating if rated else None,
    }


def chat_timeline_entries(customer: Customer, limit: int) -> list[TimelineEntry]:
    entries = []
    for chat in customer.chats.select_related("ticket").order_by("-started_at")[:limit]:
        detail = f"满意度 {chat.rating} 分" if chat.rating else chat.get_state_display()
        entries.append(
            TimelineEntry(
                at=chat.started_at, kind="chat", title="在线会话", detail=detail, ref=chat.ticket.number
            )
        )
    return entries


def _wait_since(session: ChatSession) -> datetime | None:
    """When the customer started waiting: their last message after the agent's last reply (or the start)."""
    last_agent = session.messages.filter(sender=ChatMessage.Sender.AGENT).order_by("-seq").first()
    waiting = session.messages.filter(sender=ChatMessage.Sender.CUSTOMER)
    if last_agent is not None:
        waiting = waiting.filter(seq__gt=last_agent.seq)
    first = waiting.order_by("seq").first()
    if first is not None:
        return first.created_at
    return session.started_at if session.state == ChatSession.State.WAITING else None


def supervisor_board(user: User, *, now: datetime | None = None) -> dict:
    """Who is in which status and for how long; queues per brand; live chats with their wait; SLA breaches."""
    from kefu.tickets.selectors import breaches_for

    access.require(user, "chat.monitor")
    now = local_now(now)
    open_rows = {r.agent_id: r for r in AgentStatus.objects.filter(ended_at__isnull=True)}
    agents = []
    for agent in agents_seen_by(user).order_by("agent_no"):
        row = open_rows.get(agent.pk)
        state = AgentState(row.status) if row else AgentState.OFFLINE
        agents.append(
            {
                "agent": agent,
                "state": state.value,
                "label": STATE_LABELS[state],
                "seconds": int((now - row.started_at).total_seconds()) if row else None,
            }
        )
    queues = []
    waiting = access.scoped(Offer.objects.filter(claimed_by__isnull=True, withdrawn_at__isnull=True), user)
    stats = {r["brand"]: r for r in waiting.values("brand").annotate(n=Count("id"), oldest=Min("created_at"))}
    for brand in access.brands_for(user).order_by("code"):
        s = stats.get(brand.pk)
        queues.append(
            {
                "brand": brand,
                "waiting": s["n"] if s else 0,
                "oldest_seconds": int((now - s["oldest"]).total_seconds()) if s else None,
            }
        )
    live = []
    sessions = access.scoped(ChatSession.objects.exclude(state=ChatSession.State.ENDED), user).select_related(
        "brand", "agent", "ticket"
    )
    for session in sessions.order_by("started_at"):
        since = _wait_since(session)
        live.append({"session": session, "wait_seconds": int((now - since).total_seconds()) if since else 0})
    return {
        "agents": agents,
        "queues": queues,
        "live": live,
        "breaches": list(breaches_for(user)[:15]),
        "now": now,
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
