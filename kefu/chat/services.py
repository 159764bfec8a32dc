"""Every write of live chat and routing: start, messages (stored before the ack), claim, reply, end, rating."""

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from kefu.accounts import access
from kefu.accounts.models import Department, Team, User
from kefu.brands import rules as brand_rules
from kefu.brands.models import Brand
from kefu.chat import distribution, rules
from kefu.chat.models import ChatMessage, ChatSession, Offer
from kefu.chat.presence import agent_set_status, current_state
from kefu.chat.push import (
    CUSTOMER,
    DESK,
    RealtimeUnavailable,
    board_changed,
    board_group,
    brand_group,
    push,
    push_chat,
    push_mine,
    realtime_problem,
)
from kefu.chat.rules import AgentState
from kefu.chat.selectors import chat_transcript, message_payload
from kefu.customers.models import Customer
from kefu.customers.rules import normalize_phone
from kefu.customers.services import customer_create
from kefu.errors import Conflict, PermissionDenied, ServiceError
from kefu.qa import services as qa_services
from kefu.tickets import gate
from kefu.tickets import services as tickets
from kefu.tickets.models import Ticket
from kefu.tickets.rules import OPEN_STATUSES, Status
from kefu.tickets.selectors import ticket_type_get
from kefu.timeutil import local_now

MAX_BODY = 2000
Sender = ChatMessage.Sender


def _push_state(session: ChatSession, *, board: bool = True, was: int | None = None) -> None:
    """Tell the chat's participants (and the supervisor board) the session's state and who serves it, and the
    conversation lists of its agent (and of ``was``, the agent it was taken from)."""
    push_chat(
        session.pk,
        {"session": session.pk, "type": "state", "state": session.state, "agent": session.agent_id},
    )
    push_mine(session.pk, session.agent_id, was)
    if board:
        board_changed(brands=[session.brand_id])


def _add_message(
    session: ChatSession,
    *,
    sender: str,
    client_id: str,
    at: datetime,
    body: str = "",
    author: User | None = None,
    **fields,
) -> ChatMessage:
    """Append a message; the caller holds the session row lock and has found its client id new (_sent)."""
    previous = ChatMessage.objects.filter(session=session).order_by("-seq").values("seq", "sender").first()
    message = ChatMessage.objects.create(
        session=session,
        seq=previous["seq"] + 1 if previous else 1,
        client_id=client_id,
        sender=sender,
        author=author,
        body=body,
        created_at=at,
        **fields,
    )
    push_chat(
        session.pk,
        {"session": session.pk, "type": "message", "message": message_payload(message)},
        to=(DESK,) if sender == Sender.CUSTOMER else (CUSTOMER, DESK),  # the customer's page has the ack
    )
    if sender != Sender.SYSTEM:
        push_mine(session.pk, session.agent_id, sender=sender)  # unread counts and waits in the agent's list
    if sender != Sender.SYSTEM and (previous is None or previous["sender"] != sender):
        # the customer starts waiting, or is answered: the boards move that chat's wait without a query
        push(
            board_group(session.brand_id),
            "board.wait",
            {"brand": session.brand_id, "session": session.pk, "sender": sender, "at": at.timestamp()},
        )
    return message


def _sent(session: ChatSession, client_id: str) -> ChatMessage | None:
    """The message stored already under this client id (the same message sent again), if any."""
    return ChatMessage.objects.filter(session=session, client_id=client_id).first()


def _say(
    session: ChatSession,
    situation: str,
    *,
    client_id: str,
    at: datetime,
    agent_no: str | None = None,
    **values: object,
) -> ChatMessage:
    """A message kefu sends on its own in the chat: a phrasebook situation, through the standards gate."""
    existing = _sent(session, client_id)
    if existing is not None:
        return existing
    body = gate.say(situation, brand=session.brand, channel="chat", at=at, agent_no=agent_no, **values)
    return _add_message(session, sender=Sender.SYSTEM, client_id=client_id, at=at, body=body)


def _locked(session: ChatSession) -> ChatSession:
    return (
        ChatSession.objects.select_for_update(of=("self",))
        .select_related("brand", "ticket", "agent")
        .get(pk=session.pk)
    )


def _queue_team(brand: Brand) -> Team | None:
    return Team.objects.filter(brands=brand).order_by("id").first()


class IdentityRefused(ServiceError):
    """A signed identity whose signature is not the brand's: answered 403, nothing written."""

    status = 403

    def __init__(self, message: str, *, field: str = "identity_hash"):
        super().__init__(message, code="identity_invalid", field=field)


def _clean_text(value: str, limit: int) -> str:
    """What a visitor typed, without control characters (a NUL breaks PostgreSQL), trimmed to its field."""
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()[:limit]


def _typed_phone(phone: str) -> str:
    """A phone number a visitor typed (spaces, dashes and +86 allowed), as digits."""
    typed = normalize_phone(_clean_text(phone, 40))
    if phone.strip() and not 7 <= len(typed) <= 12:
        raise ServiceError("手机号格式不正确（应为 7 到 12 位数字）", field="phone")
    return typed


def _checked_body(body: str, *, empty: str, what: str) -> str:
    """A chat message's text (the customer's, a 留言, an agent's reply), cleaned, within the one length limit of
    chat messages (MAX_BODY)."""
    body = _clean_text(body, len(body))
    if not body:
        raise ServiceError(empty, field="body")
    if len(body) > MAX_BODY:
        raise ServiceError(f"{what}最长 {MAX_BODY} 字", field="body")
    return body


def _check_client_id(client_id: str) -> None:
    if not client_id or len(client_id) > 64:
        raise ServiceError("消息编号无效", field="client_id")


def _verified_customer(*, brand: Brand, identifier: str, identity_hash: str, name: str) -> Customer | None:
    """The brand's customer named by a signed identity from the brand's website; None without one.

    Only a signature made with the brand's secret links a chat to a customer (and their tickets, waybills and
    ratings): a phone number a visitor types is anyone's to type. The identifier is the customer's phone number
    as the brand knows it; the customer is created when the brand vouches for one kefu has not met yet.
    """
    identifier, identity_hash = identifier.strip(), identity_hash.strip()
    if not identifier and not identity_hash:
        return None
    if not identifier:
        raise IdentityRefused("缺少客户标识（identifier），无法验证身份", field="identifier")
    if not brand_rules.identity_valid(brand.identity_secret, identifier, identity_hash):
        raise IdentityRefused(
            "身份签名无效，无法确认您的身份。请从品牌网站重新打开在线客服，或直接咨询（不关联您的账户）。"
        )
    phone = normalize_phone(identifier)
    if not 7 <= len(phone) <= 12:
        raise ServiceError("客户标识（identifier）应为客户在品牌登记的电话号码", field="identifier")
    customer = Customer.objects.filter(brand=brand, phone=phone).first()
    return customer or customer_create(brand=brand, name=name or "在线客户", phone=phone)


def chat_start(
    *,
    brand: Brand,
    visitor_name: str = "",
    phone: str = "",
    identifier: str = "",
    identity_hash: str = "",
    at: datetime | None = None,
) -> ChatSession:
    """A customer opens the brand's chat: the session and the brand's greeting. The ticket, its clocks and the
    offer to the brand's agents come with the customer's first message (_open_ticket).

    ``phone`` is what the visitor typed: kept on the session as 访客自报 contact, never matched to a customer.
    ``identifier`` + ``identity_hash`` are a signed identity from the brand's website (kefu.brands.rules);
    a forged one is refused before anything is written.

    A chat is live or it is nothing: with the realtime layer (Redis) unreachable the start is refused (503
    ``realtime_unavailable``) before anything is written, not a session nobody can answer.
    """
    at = local_now(at)
    visitor_name = _clean_text(visitor_name, 50)
    typed_phone = _typed_phone(phone)
    problem = realtime_problem()
    if problem:
        raise RealtimeUnavailable(problem)
    with transaction.atomic():
        customer = _verified_customer(
            brand=brand, identifier=identifier, identity_hash=identity_hash, name=visitor_name
        )
        session = ChatSession.objects.create(
            brand=brand,
            customer=customer,
            visitor_name=visitor_name,
            visitor_phone=typed_phone,
            started_at=at,
        )
        _say(session, "opening", client_id="greeting", at=at)
    return session


def _open_ticket(session: ChatSession, *, first: str, at: datetime) -> Ticket:
    """The customer's first words open the chat's ticket (and its first-reply clock) in the brand's team queue:
    a visitor who opens the chat and says nothing leaves no ticket behind. The caller offers it (_offer)."""
    session = ChatSession.objects.select_related("brand", "customer").get(pk=session.pk)
    who = session.visitor_name or (session.customer.name if session.customer else "访客")
    ticket = tickets.ticket_create(
        brand=session.brand,
        type=ticket_type_get("consult"),
        channel="chat",
        actor=None,
        customer=session.customer,
        at=at,
        subject=f"在线咨询：{who}",
        description=first,
    )
    ChatSession.objects.filter(pk=session.pk).update(ticket=ticket)
    session.ticket = ticket
    team = _queue_team(session.brand)
    if team is not None:
        tickets.ticket_queue(ticket=ticket, team=team, actor=None, at=at)
    return ticket


def _first_words(session: ChatSession, body: str, at: datetime) -> None:
    """A chat joins the brand's queue with the customer's first message: its ticket, and the offer to agents."""
    if session.ticket_id is None:
        _offer(ticket=_open_ticket(session, first=body, at=at), session=session, at=at)


def _offer(*, ticket: Ticket, session: ChatSession | None, at: datetime) -> Offer:
    offer = Offer.objects.create(
        ticket=ticket, session=session, brand=ticket.brand, priority=ticket.priority, created_at=at
    )
    # given to an agent after the commit (kefu.chat.distribution), whose desk pops it
    distribution.distribute_after_commit([ticket.brand_id])
    board_changed(brands=[ticket.brand_id])
    return offer


def offer_for_ticket(*, ticket: Ticket, actor: User | None, at: datetime | None = None) -> Offer:
    """Queue an open ticket so the brand's 就绪 agents are offered it."""
    at = local_now(at)
    if ticket.status not in {s.value for s in OPEN_STATUSES}:
        raise Conflict("已解决或已关闭的工单不能再派发", field="ticket")
    with transaction.atomic():
        open_offer = Offer.objects.filter(
            ticket=ticket, claimed_by__isnull=True, withdrawn_at__isnull=True
        ).first()
        if open_offer is not None:
            return open_offer
        team = _queue_team(ticket.brand)
        if team is not None:
            tickets.ticket_queue(ticket=ticket, team=team, actor=actor, at=at)
        return _offer(ticket=ticket, session=None, at=at)


def offer_claim(*, offer_id: int, agent: User, at: datetime | None = None) -> Offer:
    """Take offered work (接起): the work assigned to this agent, or work waiting for anyone while the agent has
    room. Two agents clicking at once: the conditional UPDATE lets exactly one win."""
    at = local_now(at)
    offer = Offer.objects.select_related("ticket", "brand").filter(pk=offer_id).first()
    if offer is None:
        raise ServiceError("该任务不存在", code="not_found")
    if not access.serves(agent, offer.brand):
        raise PermissionDenied("该任务不属于您服务的品牌")
    if current_state(agent) not in distribution.TAKING:
        raise Conflict("只有“就绪”或“通话中”状态才能接起新任务", code="not_ready")
    with transaction.atomic():
        distribution.lock_agent(agent)  # the agent's load, as distribution counts and raises it
        if offer.assigned_to_id is None and not distribution.has_room(agent):
            raise Conflict("您同时接待的会话已达上限，请先结束一个会话", code="full")
        won = (
            distribution.open_offers()
            .filter(distribution.waiting_for(agent), pk=offer_id)
            .update(claimed_by=agent, claimed_at=at)
        )
        if not won:
            current = Offer.objects.select_related("claimed_by", "assigned_to").get(pk=offer_id)
            if current.claimed_by:
                message = f"该任务已被 {current.claimed_by} 接起"
            elif current.withdrawn_at:
                message = "该任务已撤回"
            else:
                message = f"该任务已分配给 {current.assigned_to}"
            raise Conflict(message, code="already_claimed")
        distribution.accepted(offer, agent, at=at)
        tickets.ticket_assign(ticket=offer.ticket, agent=agent, actor=agent, at=at)
        if offer.session_id:
            session = _locked(offer.session)
            session.agent, session.state, session.accepted_at = agent, ChatSession.State.ACTIVE, at
            session.save(update_fields=["agent", "state", "accepted_at"])
            _say(session, "chat_agent_joined", client_id=f"joined-{agent.pk}", at=at, agent_no=agent.agent_no)
            _push_state(session, board=False)  # the board is told once below, for every claim
        agent_set_status(agent=agent, status=AgentState.BUSY, at=at, reason=offer.ticket.number)
        push(
            brand_group(offer.brand_id),
            "offer.gone",
            {"type": "offer_gone", "offer": offer.pk, "note": f"已被 {agent} 接起"},
        )
        board_changed(brands=[offer.brand_id])
    offer.refresh_from_db()
    return offer


def chat_customer_message(
    *, session: ChatSession, client_id: str, body: str, at: datetime | None = None
) -> tuple[ChatMessage, bool]:
    """A customer's message, committed before the caller acknowledges it; a resend is stored once."""
    at = local_now(at)
    body = _checked_body(body, empty="消息内容不能为空", what="消息")
    _check_client_id(client_id)
    with transaction.atomic():
        # the row lock and what a message needs of its session, nothing more: this runs for every message
        session = (
            ChatSession.objects.select_for_update()
            .only("id", "brand_id", "state", "ticket_id", "agent_id")
            .get(pk=session.pk)
        )
        existing = _sent(session, client_id)
        if existing is not None:
            return existing, False
        if session.state == ChatSession.State.ENDED:
            raise Conflict("本次会话已结束，请重新发起咨询", code="ended")
        message = _add_message(session, sender=Sender.CUSTOMER, client_id=client_id, at=at, body=body)
        _first_words(session, body, at)
        return message, True


def chat_customer_upload(
    *, session: ChatSession, client_id: str, file: UploadedFile, at: datetime | None = None
) -> tuple[ChatMessage, bool]:
    """A photo (a damaged parcel) within the size limit of the rulebook."""
    at = local_now(at)
    limit = int(rules.setting("upload_max_bytes"))
    if file.size is None or file.size > limit:
        raise ServiceError(f"图片不能超过 {limit // (1024 * 1024)} MB", field="file")
    served_as = rules.image_type(file)
    if served_as is None:
        raise ServiceError("只能上传 JPG、PNG、WEBP 或 GIF 图片（文件内容不是这几种图片）", field="file")
    # The stored name carries the checked type, so nothing downstream trusts the customer's file name.
    file.name = "photo." + served_as.split("/")[1]
    with transaction.atomic():
        session = _locked(session)
        existing = _sent(session, client_id)
        if existing is not None:
            return existing, False
        if session.state == ChatSession.State.ENDED:
            raise Conflict("本次会话已结束，请重新发起咨询", code="ended")
        message = _add_message(
            session, sender=Sender.CUSTOMER, client_id=client_id, at=at, body="[图片]", attachment=file
        )
        _first_words(session, message.body, at)
        return message, True


def chat_leave_message(
    *,
    session: ChatSession,
    client_id: str,
    body: str,
    phone: str = "",
    at: datetime | None = None,
) -> ChatSession:
    """The customer leaves a message instead of waiting (kefu.chat.queue says when they may): their words go on
    the chat's ticket as 客户留言 with the number to call back, the first-reply clock starts again as the left
    message's (working time: from the next service time when left outside it), the ticket waits in the queue as
    work for the next agent, and the chat ends with the time the customer will hear from the center."""
    from kefu.chat import queue

    at = local_now(at)
    body = _checked_body(body, empty="请填写留言内容", what="留言")
    _check_client_id(client_id)
    typed_phone = _typed_phone(phone)
    with transaction.atomic():
        session = _locked(session)
        existing = _sent(session, client_id)
        if existing is not None:
            return session  # the same message sent again
        if session.state != ChatSession.State.WAITING:
            raise Conflict(
                "本次会话已结束，请重新发起咨询"
                if session.state == ChatSession.State.ENDED
                else "客服已经接入，请直接在对话中告诉客服",
                code=session.state,
            )
        offer = Offer.objects.filter(session=session, claimed_by__isnull=True, withdrawn_at__isnull=True)
        if not queue.may_leave(session.brand, offer.values_list("created_at", flat=True).first(), at=at):
            raise Conflict("客服马上就会接入，请先在对话中说明您的问题，稍候片刻", code="not_yet")
        contact = session.customer.phone if session.customer else typed_phone or session.visitor_phone
        if not contact:
            raise ServiceError("请留下手机号，方便客服与您联系", field="phone")
        _add_message(session, sender=Sender.CUSTOMER, client_id=client_id, at=at, body=f"【留言】{body}")
        ticket = session.ticket or _open_ticket(session, first=body, at=at)
        tickets.ticket_customer_message(ticket=ticket, body=body, contact=contact, at=at)
        started = tickets.ticket_start_clocks(ticket=ticket, starts_on="message_left", at=at)
        due_at = next((c.due_at for c in started if c.code == "first_response"), None)
        distribution.withdraw_for(session, at=at)  # the chat is no one's to take any more; the ticket is
        _offer(ticket=ticket, session=None, at=at)
        if typed_phone:
            session.visitor_phone = typed_phone
        session.state, session.ended_at, session.message_left_at = ChatSession.State.ENDED, at, at
        session.save(update_fields=["visitor_phone", "state", "ended_at", "message_left_at"])
        _say(
            session,
            "chat_message_left",
            client_id="message-left",
            at=at,
            time=gate.said_time(due_at) if due_at else None,
        )
        _push_state(session)
    return session


def _may_speak(session: ChatSession, user: User) -> None:
    if session.agent_id != user.pk:
        raise PermissionDenied("该会话不由您接待" + ("，请先接管" if user.is_supervisor else ""))


def chat_agent_reply(
    *,
    session: ChatSession,
    agent: User,
    body: str,
    client_id: str,
    override_reason: str = "",
    answer: bool = False,
    at: datetime | None = None,
) -> tuple[ChatMessage, bool]:
    """An agent's reply: the ticket's reply (through the standards gate; ``answer``: it gives the result, see
    tickets.ticket_reply) and the chat message, or neither."""
    at = local_now(at)
    body = _checked_body(body, empty="请输入回复内容", what="回复")
    with transaction.atomic():
        session = _locked(session)
        _may_speak(session, agent)
        existing = _sent(session, client_id)
        if existing is not None:
            return existing, False
        if session.state != ChatSession.State.ACTIVE:
            raise Conflict("会话不在进行中，不能回复", code="not_active")
        reply = tickets.ticket_reply(
            ticket=session.ticket,
            actor=agent,
            body=body,
            override_reason=override_reason,
            answer=answer,
            at=at,
        )
        message = _add_message(
            session,
            sender=Sender.AGENT,
            client_id=client_id,
            at=at,
            body=reply.body,
            author=agent,
            violations=reply.data.get("violations", []),
            override_reason=reply.data.get("override_reason", ""),
        )
    return message, True


def chat_mark_read(*, session: ChatSession, reader: str, seq: int) -> None:
    """Read receipts: the highest message number the customer or the agent has seen."""
    field = "customer_read_seq" if reader == Sender.CUSTOMER else "agent_read_seq"
    with transaction.atomic():
        updated = ChatSession.objects.filter(pk=session.pk, **{f"{field}__lt": seq}).update(**{field: seq})
        if updated:
            push_chat(
                session.pk,
                {"session": session.pk, "type": "read", "reader": reader, "seq": seq},
                to=(DESK,) if reader == Sender.CUSTOMER else (CUSTOMER,),
            )


def chat_typing(*, session: ChatSession, who: str) -> None:
    push_chat(
        session.pk,
        {"session": session.pk, "type": "typing", "who": who},
        to=(DESK,) if who == Sender.CUSTOMER else (CUSTOMER,),
    )


@dataclass(frozen=True)
class Pending:
    """A chat ended with its question not yet solved: the promise made, to whom it is handed, by when."""

    department: Department
    promised_at: datetime
    promise: str = ""


def chat_end(
    *,
    session: ChatSession,
    actor: User | None,
    pending: Pending | None = None,
    at: datetime | None = None,
) -> ChatSession:
    """End the conversation: score it with the QA engine and ask the customer to rate. Resolved, its ticket is
    resolved; ``pending`` (a promise made to the customer), the ticket is handed to the department with the
    promised time as its clock, stays open, and the customer is told who answers by when."""
    at = local_now(at)
    with transaction.atomic():
        session = _locked(session)
        if session.state == ChatSession.State.ENDED:
            return session
        if actor is not None and session.agent_id not in (None, actor.pk) and not actor.is_supervisor:
            raise PermissionDenied("该会话不由您接待")
        if pending is not None:
            if session.ticket_id is None:
                raise Conflict("客户还没有发言，没有可承诺的问题", code="silent")
            tickets.ticket_hand_off(
                ticket=session.ticket,
                department=pending.department,
                actor=actor,
                promise=pending.promise or f"{pending.department.name}在承诺时间前答复客户",
                promised_at=pending.promised_at,
                at=at,
            )
            _say(
                session,
                "chat_ended_pending",
                client_id="ended",
                at=at,
                department=pending.department.name,
                time=gate.said_time(pending.promised_at),
            )
        else:
            _say(session, "chat_ended", client_id="ended", at=at)
        session.state, session.ended_at = ChatSession.State.ENDED, at
        session.save(update_fields=["state", "ended_at"])
        if session.ticket_id is not None:
            _close_ticket(session, actor=actor, at=at, resolve=pending is None)
        distribution.withdraw_for(session, at=at)
        if session.agent is not None and current_state(session.agent) == AgentState.BUSY:
            still_busy = ChatSession.objects.filter(
                agent=session.agent, state=ChatSession.State.ACTIVE
            ).exists()
            if not still_busy:
                agent_set_status(
                    agent=session.agent, status=AgentState.WRAP_UP, at=at, reason=session.ticket.number
                )
        if session.agent_id is not None:
            distribution.distribute_after_commit([session.brand_id])  # the agent has room again
        _push_state(session)
    return session


def chat_silent_sweep(*, at: datetime | None = None) -> int:
    """A visitor who opened the chat page and has said nothing for ``silent_visit_end_seconds``: the conversation
    ends (it never was a ticket nor anyone's work), told so in the phrasebook's words; how many ended. Run every
    minute by every worker: a session another run ended meanwhile is skipped."""
    at = local_now(at)
    before = at - timedelta(seconds=int(rules.setting("silent_visit_end_seconds")))
    ended = 0
    # state = waiting: the partial index of live sessions serves it
    for pk in ChatSession.objects.filter(
        state=ChatSession.State.WAITING, ticket__isnull=True, started_at__lt=before
    ).values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            session = _locked(ChatSession(pk=pk))
            if session.state != ChatSession.State.WAITING or session.ticket_id is not None:
                continue  # the visitor spoke (or another run ended it) meanwhile
            _say(session, "chat_silent_ended", client_id="silent-ended", at=at)
            session.state, session.ended_at = ChatSession.State.ENDED, at
            session.save(update_fields=["state", "ended_at"])
            _push_state(session, board=False)  # a silent visit was never on the board
            ended += 1
    return ended


def _close_ticket(session: ChatSession, *, actor: User | None, at: datetime, resolve: bool = True) -> None:
    """A finished conversation is scored by the QA engine and its ticket resolved (unless a promise keeps it
    open)."""
    qa_services.sheet_score(
        ticket=session.ticket,
        chat=session,
        agent=session.agent,
        transcript=chat_transcript(session, ended_by="agent" if actor else "customer"),
        at=at,
    )
    if not resolve:
        return
    ticket = Ticket.objects.get(pk=session.ticket_id)
    if ticket.status in (Status.NEW, Status.ASSIGNED, Status.WAITING_CUSTOMER, Status.WAITING_DEPARTMENT):
        ticket = tickets.ticket_transition(ticket=ticket, to=Status.IN_PROGRESS, actor=actor, at=at)
    if ticket.status == Status.IN_PROGRESS:
        tickets.ticket_transition(ticket=ticket, to=Status.RESOLVED, actor=actor, at=at, note="在线会话结束")


def chat_rate(
    *, session: ChatSession, score: int, comment: str = "", at: datetime | None = None
) -> ChatSession:
    """满意度评价 1–5 with a comment, once, after the conversation ends."""
    at = local_now(at)
    low, high = rules.setting("rating_scale")
    if not low <= int(score) <= high:
        raise ServiceError(f"评分应在 {low} 到 {high} 之间", field="score")
    with transaction.atomic():
        session = ChatSession.objects.select_related("ticket").get(pk=session.pk)
        if session.state != ChatSession.State.ENDED:
            raise Conflict("会话结束后才能评价", code="not_ended")
        if session.agent_id is None:
            raise Conflict("本次咨询没有客服接待，无需评价", code="no_agent")
        done = ChatSession.objects.filter(pk=session.pk, rating__isnull=True).update(
            rating=int(score), rating_comment=comment.strip()[:500], rated_at=at
        )
        if not done:
            raise Conflict("您已经评价过了，感谢您的反馈", code="already_rated")
        label = rules.rating_label(int(score))
        tickets.ticket_note(
            ticket=session.ticket,
            actor=None,
            at=at,
            body=f"客户满意度评价：{score} 分（{label}）"
            + (f"，“{comment.strip()}”" if comment.strip() else ""),
        )
        push_chat(session.pk, {"session": session.pk, "type": "rated", "rating": int(score)})
    session.refresh_from_db()
    return session


def chat_take_over(*, session: ChatSession, supervisor: User, at: datetime | None = None) -> ChatSession:
    """A supervisor takes the conversation over from the agent."""
    at = local_now(at)
    access.require(supervisor, "chat.take_over")
    access.require_brand(supervisor, session.brand, what="该会话")
    with transaction.atomic():
        session = _locked(session)
        if session.state == ChatSession.State.ENDED:
            raise Conflict("会话已结束", code="ended")
        if session.ticket_id is None:
            raise Conflict("客户还没有发言，暂无可接管的咨询", code="silent")
        previous = session.agent
        session.agent, session.state = supervisor, ChatSession.State.ACTIVE
        session.accepted_at = session.accepted_at or at
        session.save(update_fields=["agent", "state", "accepted_at"])
        Offer.objects.filter(session=session, claimed_by__isnull=True, withdrawn_at__isnull=True).update(
            claimed_by=supervisor, claimed_at=at
        )
        tickets.ticket_assign(ticket=session.ticket, agent=supervisor, actor=supervisor, at=at)
        _say(
            session,
            "chat_supervisor_joined",
            client_id=f"takeover-{supervisor.pk}-{at.timestamp()}",
            at=at,
            agent_no=supervisor.agent_no or None,
        )
        if previous is not None and previous != supervisor and current_state(previous) == AgentState.BUSY:
            agent_set_status(agent=previous, status=AgentState.WRAP_UP, at=at, reason="主管接管")
        _push_state(session, was=previous.pk if previous else None)
    return session
