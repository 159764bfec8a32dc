"""Pages: the agent desk and ticket workspace, the supervisor board, the customer chat page, the login page."""

import json
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kefu import ratelimit
from kefu.accounts.models import Department
from kefu.brands.selectors import brand_get, script_panel
from kefu.chat import limits, presence, queue, rules, services
from kefu.chat.distribution import TAKING
from kefu.chat.forms import EndChatForm
from kefu.chat.models import ChatMessage, ChatSession
from kefu.chat.push import realtime_problem
from kefu.chat.rules import STATE_LABELS, AgentState
from kefu.chat.selectors import (
    LIVE_SHOWN,
    agent_state,
    attendance_day,
    chat_messages,
    customer_card,
    message_payload,
    my_conversations,
    open_offers_for,
    reply_check,
    session_for_token,
    session_for_user,
    status_log,
    supervisor_board,
)
from kefu.customers.selectors import customer_timeline
from kefu.errors import ServiceError
from kefu.tickets import services as tickets_services
from kefu.tickets.rules import next_statuses
from kefu.tickets.selectors import clock_states, ticket_get_for_user, ticket_replay
from kefu.tickets.views import ACTIONS
from kefu.timeutil import local_now


def _error(exc: ServiceError) -> JsonResponse:
    response = JsonResponse(exc.to_dict(), status=exc.status)
    if getattr(exc, "retry_after", None):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _body(request) -> dict:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST.dict()


# ---------------------------------------------------------------- agent desk


def _status_context(user) -> dict:
    row = presence.current_status(user)
    state = AgentState(row.status) if row else AgentState.OFFLINE
    return {
        "state": state.value,
        "state_label": STATE_LABELS[state],
        "since": row.started_at if row else None,
        "until": row.until if row else None,  # 话后处理 ends by itself then
        "choices": [  # the statuses the agent may pick from the present one
            (s.value, STATE_LABELS[s])
            for s in (AgentState.READY, AgentState.WRAP_UP, AgentState.BREAK)
            if s == state or (state != AgentState.OFFLINE and rules.can_change(state, s))
        ],
        "log": status_log(user, limit=8),
    }


@login_required
def desk(request):
    context = {
        **_status_context(request.user),
        "offers": open_offers_for(request.user) if agent_state(request.user)[0] in TAKING else [],
        "now": local_now(),
        "mine": my_conversations(request.user),
    }
    return render(request, "chat/desk.html", context)


@login_required
def my_chats(request):
    """The agent's conversation tabs, read again by every page of theirs when one of them changes."""
    current = request.GET.get("current", "")
    mine = my_conversations(request.user, current=int(current) if current.isdigit() else None)
    return render(request, "chat/_my_chats.html", {"mine": mine})


@login_required
@require_POST
def desk_status(request):
    try:
        presence.agent_act(
            agent=request.user, action=request.POST.get("action", "") or request.POST.get("status", "")
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    if request.htmx:
        return render(
            request,
            "chat/_status.html",
            {**_status_context(request.user), "error_messages": messages.get_messages(request)},
        )
    return redirect("chat_desk")


@login_required
def desk_offers(request):
    state = agent_state(request.user)[0]
    return render(
        request,
        "chat/_offers.html",
        {"offers": open_offers_for(request.user) if state in TAKING else [], "state": state.value},
    )


@login_required
@require_POST
def offer_claim(request, offer_id: int):
    try:
        offer = services.offer_claim(offer_id=offer_id, agent=request.user)
    except ServiceError as exc:
        return _error(exc)
    return JsonResponse({"ok": True, "url": f"/desk/tickets/{offer.ticket.number}/"})


# ---------------------------------------------------------------- ticket workspace


def _scripts(ticket, user, session) -> list[dict]:
    """The script panel: the brand's sentences for this moment, filled with the agent's 工号 and today's greeting."""
    numbers = [
        m.body for m in (session.messages.filter(sender="customer").order_by("-seq")[:5] if session else [])
    ]
    number = (
        ticket.waybill_number or _last_number(numbers) or (ticket.customer.phone if ticket.customer else None)
    )
    return script_panel(
        ticket.brand,
        at=local_now(),
        channel="chat" if session else "phone",
        agent_no=user.agent_no,
        customer=ticket.customer.salutation if ticket.customer else None,
        number=number,
    )


def _last_number(texts: list[str]) -> str | None:
    import re

    for text in texts:
        found = re.findall(r"[A-Za-z]{0,4}\d{6,}", text)
        if found:
            return found[-1]
    return None


def _panels(ticket) -> dict:
    """What the workspace redraws in place after an action or a reply: status, next statuses, history, clocks."""
    return {
        "ticket": ticket,
        "session": getattr(ticket, "chat", None),
        "clocks": clock_states(ticket),
        "frames": ticket_replay(ticket),
        "next_statuses": next_statuses(ticket.status),
    }


@login_required
def workspace(request, number: str):
    ticket = ticket_get_for_user(number, request.user)
    session = getattr(ticket, "chat", None)
    customer = ticket.customer
    scripts = _scripts(ticket, request.user, session)
    context = {
        **_panels(ticket),
        "chat_messages": chat_messages(session) if session else [],
        "card": customer_card(
            customer,
            request.user,
            before=ticket.created_at,
            visitor_name=session.visitor_name if session else "",
            visitor_phone=session.visitor_phone if session else "",
        ),
        "timeline": customer_timeline(customer, limit=12) if customer else [],
        "departments": Department.objects.all(),
        "scripts": scripts,
        "can_reply": bool(
            session and session.state == ChatSession.State.ACTIVE and session.agent_id == request.user.pk
        ),
        "hold_seconds": rules.setting("hold_prompt_seconds"),
        "max_chars": services.MAX_BODY,
        "now": local_now(),
        "long_wait": next((s["text"] for s in scripts if s["id"] == "long_wait_reminder"), ""),
        "rating_label": rules.rating_label(session.rating) if session and session.rating else "",
        "mine": my_conversations(request.user, current=session.pk if session else None),
    }
    if customer:
        from kefu.customers.services import customer_open

        customer_open(customer=customer, user=request.user, via=f"坐席工作区 {ticket.number}")
    return render(request, "chat/workspace.html", context)


@login_required
def workspace_panels(request, number: str):
    """The workspace's status, history and clocks as they are now (after a reply met a clock)."""
    ticket = ticket_get_for_user(number, request.user)
    return render(request, "chat/_ws_update.html", {**_panels(ticket), "ok": True})


_ACTION_DONE = {
    "note": "备注已添加",
    "hand_off": "已移交",
    "escalate": "已升级主管",
    "callback": "已预约回拨",
    "transition": "状态已变更",
    "offer": "已派发给就绪坐席",
}


@login_required
@require_POST
def workspace_action(request, number: str):
    """An action on the ticket: in place with htmx (the result beside the forms, the panels redrawn, what the
    agent typed in the reply box untouched), or as a form post that comes back to the workspace."""
    ticket = ticket_get_for_user(number, request.user)
    name = request.POST.get("action", "")
    ok, result = False, _ACTION_DONE.get(name, "已保存")
    try:
        if name == "callback":
            when = timezone.make_aware(datetime.fromisoformat(request.POST.get("when", "")))
            tickets_services.ticket_schedule_callback(
                ticket=ticket, actor=request.user, when=when, note=request.POST.get("note", "")
            )
        elif name == "offer":
            services.offer_for_ticket(ticket=ticket, actor=request.user)
        elif name in ACTIONS:
            ACTIONS[name](request, ticket)
        else:
            raise ServiceError("未知的操作")
        ok = True
    except ServiceError as exc:
        result = exc.message
    except (KeyError, ValueError):
        result = "请把表单填写完整"
    if request.htmx:
        ticket = ticket_get_for_user(number, request.user)
        response = render(request, "chat/_ws_update.html", {**_panels(ticket), "ok": ok, "result": result})
        if ok:
            response["HX-Trigger"] = "ws-saved"  # the form that was sent empties itself
        return response
    (messages.success if ok else messages.error)(request, result)
    return redirect("chat_workspace", number=number)


@login_required
@require_POST
def chat_check(request):
    """Compliance as the agent types: every violation with its category and the one-click rewrite."""
    data = _body(request)
    session = int(data["session"]) if data.get("session") else None
    try:
        found = reply_check(
            str(data.get("text", "")),
            request.user,
            session,
            brand=str(data.get("brand", "")),
            channel=str(data.get("channel", "chat")),
        )
    except ServiceError as exc:
        return _error(exc)
    return JsonResponse(found)


@login_required
@require_POST
def chat_reply(request, session_id: int):
    data = _body(request)
    try:
        session = session_for_user(session_id, request.user)
        message, _ = services.chat_agent_reply(
            session=session,
            agent=request.user,
            body=str(data.get("body", "")),
            client_id=str(data.get("client_id", "")) or f"web-{local_now().timestamp()}",
            override_reason=str(data.get("override_reason", "")),
            answer=data.get("answer") is True,
        )
    except ServiceError as exc:
        return _error(exc)  # a refused reply lists its violations
    return JsonResponse({"ok": True, "message": message_payload(message)})


@login_required
@require_POST
def chat_end(request, session_id: int):
    session = session_for_user(session_id, request.user)
    form = EndChatForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.first_error())
        return redirect("chat_workspace", number=session.ticket.number)
    try:
        services.chat_end(session=session, actor=request.user, pending=form.pending())
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("chat_workspace", number=session.ticket.number)


@login_required
@require_POST
def chat_take_over(request, session_id: int):
    session = session_for_user(session_id, request.user)
    try:
        services.chat_take_over(session=session, supervisor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("chat_workspace", number=session.ticket.number)


# ---------------------------------------------------------------- supervisor


@login_required
def supervisor(request):
    template = "chat/_board.html" if request.htmx else "chat/supervisor.html"
    return render(request, template, {"board": supervisor_board(request.user), "live_shown": LIVE_SHOWN})


@login_required
def attendance(request):
    """考勤与占用率: each agent's day from the status log (sign-in, sign-out, time per status, breaks)."""
    today = timezone.localdate()
    try:
        day = date.fromisoformat(request.GET["day"]) if request.GET.get("day") else today
    except ValueError:
        day, error = today, f"日期格式应为 2026-11-24：{request.GET['day']}"
    else:
        error = None
    return render(
        request,
        "chat/attendance.html",
        {
            "rows": attendance_day(day, request.user),
            "day": day,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1) if day < today else None,
            "error": error,
        },
    )


# ---------------------------------------------------------------- customer chat


@xframe_options_exempt
def customer_chat(request, brand: str):
    brand_obj = brand_get(brand)
    notices, closed = queue.notices(brand_obj), queue.closed_reason(brand_obj)
    return render(
        request,
        "chat/customer.html",
        {
            "brand": brand_obj,
            "max_mb": rules.setting("upload_max_bytes") // (1024 * 1024),
            "labels": {int(k): v for k, v in rules.setting("rating_labels").items()},
            "max_chars": services.MAX_BODY,
            # the queue's sentences (the page puts the numbers in), and why the brand takes no chat now
            "notices": notices,
            "closed": closed,
            "closed_note": notices[closed] if closed else "",
            # said before the visitor types anything; the start is refused with the same words (services.chat_start)
            "realtime_problem": realtime_problem(),
            # A signed identity from the brand's website (README: 在线客服的客户身份验证), checked at the start.
            "identity": {
                "identifier": request.GET.get("identifier", "")[:40],
                "hash": request.GET.get("identity_hash", "")[:128],
                "name": request.GET.get("name", "")[:50],
            },
        },
    )


# Customer endpoints are authorised by the session token in the URL, never by a cookie: no CSRF to forge.
@csrf_exempt
@xframe_options_exempt
@require_POST
def customer_start(request, brand: str):
    data = _body(request)
    try:
        limits.hit("start", ratelimit.client_address(request))
        session = services.chat_start(
            brand=brand_get(brand),
            visitor_name=str(data.get("name", "")),
            phone=str(data.get("phone", "")),
            identifier=str(data.get("identifier", "")),
            identity_hash=str(data.get("identity_hash", "")),
        )
    except ServiceError as exc:
        return _error(exc)
    return JsonResponse({"token": str(session.token), "verified": session.customer_id is not None})


@csrf_exempt
@require_POST
def customer_upload(request, token: str):
    try:
        session = session_for_token(token)
        limits.hit("upload", str(session.pk))
        upload = request.FILES.get("file")
        if upload is None:
            raise ServiceError("请选择图片", field="file")
        message, _ = services.chat_customer_upload(
            session=session, client_id=request.POST.get("client_id", ""), file=upload
        )
    except ServiceError as exc:
        return _error(exc)
    return JsonResponse(
        {
            "type": "ack",
            "client_id": message.client_id,
            "seq": message.seq,
            "message": message_payload(message),
        }
    )


@csrf_exempt
@require_POST
def customer_leave(request, token: str):
    """留言: instead of waiting, or outside service hours (services.chat_leave_message)."""
    data = _body(request)
    try:
        session = session_for_token(token)
        limits.hit("message", str(session.pk))
        services.chat_leave_message(
            session=session,
            client_id=str(data.get("client_id", "")),
            body=str(data.get("body", "")),
            phone=str(data.get("phone", "")),
        )
    except ServiceError as exc:
        return _error(exc)
    return JsonResponse({"ok": True})


@csrf_exempt
@require_POST
def customer_rate(request, token: str):
    data = _body(request)
    try:
        session = services.chat_rate(
            session=session_for_token(token),
            score=int(data.get("score", 0) or 0),
            comment=str(data.get("comment", "")),
        )
    except (ServiceError, ValueError) as exc:
        if isinstance(exc, ServiceError):
            return _error(exc)
        return JsonResponse({"code": "invalid", "message": "评分无效", "field": "score"}, status=400)
    return JsonResponse({"ok": True, "rating": session.rating})


def attachment(request, message_id: int):
    """A photo: for the customer who holds the session token, or a logged-in agent of the brand."""
    message = ChatMessage.objects.select_related("session", "session__brand").filter(pk=message_id).first()
    if message is None or not message.attachment:
        raise Http404
    token = request.GET.get("t", "")
    if str(message.session.token) != token:
        if not request.user.is_authenticated:
            raise Http404
        session_for_user(message.session_id, request.user)
    # Served as a download, of the type its bytes were checked to be when it arrived (rules.image_type): a
    # file opened in a new tab is never rendered as a page of kefu's origin.
    extension = message.attachment.name.rsplit(".", 1)[-1]
    response = FileResponse(
        message.attachment.open("rb"),
        as_attachment=True,
        filename=f"kefu-{message.pk}.{extension}",
        content_type=rules.stored_type(message.attachment.name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def healthz(request):
    return HttpResponse("ok")
