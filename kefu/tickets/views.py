"""Ticket pages: the same rule as the API — parse, call a service or selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kefu.accounts import access
from kefu.accounts.models import Department
from kefu.accounts.selectors import department_get, supervisor_for, user_by_agent_no
from kefu.brands.selectors import script_panel
from kefu.customers.selectors import customer_by_phone, is_returning, phone_for
from kefu.customers.services import customer_open
from kefu.errors import ServiceError
from kefu.tickets import services
from kefu.tickets.forms import NewTicketForm
from kefu.tickets.gate import CHECKER_CHANNEL, Refused
from kefu.tickets.models import Channel, TicketType
from kefu.tickets.rules import STATUS_LABELS, Status, next_statuses
from kefu.tickets.selectors import (
    CappedPaginator,
    TicketSearch,
    breaches_for,
    clock_states,
    open_tickets_of,
    ticket_get_for_user,
    ticket_replay,
    ticket_search,
)
from kefu.timeutil import local_now


@login_required
def ticket_list(request):
    filters = {k: request.GET.get(k, "") for k in ("q", "status", "type", "brand")}
    open_only = request.GET.get("open") == "1"
    found = TicketSearch()
    paginator = CappedPaginator(ticket_search(request.user, **filters, only_open=open_only, found=found), 30)
    context = {
        "page": paginator.get_page(request.GET.get("page")),
        "found": found,
        "filters": {**filters, **({"open": "1"} if open_only else {})},
        "statuses": [(s.value, STATUS_LABELS[s]) for s in Status],
        "types": TicketType.objects.filter(active=True),
        "open_only": open_only,
    }
    template = "tickets/_rows.html" if request.htmx else "tickets/list.html"
    return render(request, template, context)


@login_required
def ticket_new(request):
    """新建工单: a phone call, an email or a visitor recorded while the customer is there (000 二 (一)); beside
    the form, the customer found by the phone as typed, the brand's opening scripts and the standards check."""
    brands = access.brands_for(request.user)
    typed = request.POST if request.method == "POST" else request.GET
    code = typed.get("brand", "")
    brand = access.brand_get_for_user(code, request.user) if code else brands.first()
    initial = {"brand": brand.code if brand else "", "channel": Channel.PHONE, **typed.dict()}
    form = NewTicketForm(request.POST or None, brands=brands, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.ticket_intake(actor=request.user, **form.intake())
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"已建立工单 {ticket.number}")
            return redirect("ticket_detail", number=ticket.number)
    context = {
        "form": form,
        "brand": brand,
        **(_new_ticket_aside(request.user, brand, typed) if brand else {}),
    }
    return render(request, "tickets/_new_aside.html" if request.htmx else "tickets/new.html", context)


def _new_ticket_aside(user, brand, typed) -> dict:
    """Beside the 新建工单 form: the customer the typed phone belongs to, and the scripts and check of the
    channel the contact came in on (refreshed by htmx as the agent types)."""
    channel = CHECKER_CHANNEL.get(typed.get("channel") or Channel.PHONE, "phone")
    customer = customer_by_phone(user, brand, typed.get("phone", ""))
    if customer:
        customer_open(customer=customer, user=user, via="新建工单")
    salutation = customer.salutation if customer else None
    return {
        "customer": customer,
        "returning": customer is not None and is_returning(customer),
        "open_tickets": open_tickets_of(customer) if customer else [],
        "checker_channel": channel,
        "scripts": script_panel(
            brand, at=local_now(), channel=channel, agent_no=user.agent_no, customer=salutation
        ),
    }


def _draft_key(number: str) -> str:
    return f"reply_draft:{number}"


def _refusal_key(number: str) -> str:
    return f"reply_refusal:{number}"


@login_required
def ticket_detail(request, number: str):
    ticket = services.ticket_open(
        ticket=ticket_get_for_user(number, request.user), user=request.user, via="工单页"
    )
    customer = ticket.customer
    context = {
        "ticket": ticket,
        "clocks": clock_states(ticket),
        "frames": ticket_replay(ticket),
        "customer": customer,
        "customer_phone": phone_for(customer, request.user) if customer else "",
        "returning": is_returning(customer, before=ticket.created_at) if customer else False,
        "next_statuses": next_statuses(ticket.status),
        "departments": Department.objects.all(),
        "channels": Channel,
        "converted_to": ticket.converted_to if hasattr(ticket, "converted_to") else None,
        "reply_draft": request.session.pop(_draft_key(number), ""),
        "refusal": request.session.pop(_refusal_key(number), None),
    }
    return render(request, "tickets/detail.html", context)


ACTIONS = {
    "transition": lambda r, t: services.ticket_transition(
        ticket=t, to=r.POST["to"], actor=r.user, note=r.POST.get("note", "")
    ),
    "assign": lambda r, t: services.ticket_assign(
        ticket=t, agent=user_by_agent_no(r.POST["agent_no"]), actor=r.user
    ),
    "hand_off": lambda r, t: services.ticket_hand_off(
        ticket=t,
        department=department_get(r.POST["department"]),
        actor=r.user,
        promise=r.POST.get("promise", ""),
    ),
    "escalate": lambda r, t: services.ticket_escalate(
        ticket=t,
        supervisor=supervisor_for(r.user, brand=t.brand),
        actor=r.user,
        reason=r.POST.get("reason", ""),
    ),
    "reply": lambda r, t: services.ticket_reply(
        ticket=t,
        actor=r.user,
        body=r.POST.get("body", ""),
        override_reason=r.POST.get("override_reason", ""),
        answer=r.POST.get("answer") == "1",
    ),
    "note": lambda r, t: services.ticket_note(ticket=t, actor=r.user, body=r.POST.get("body", "")),
    "convert": lambda r, t: services.ticket_convert_to_complaint(
        ticket=t, actor=r.user, reason=r.POST.get("reason", "")
    ),
}


@login_required
@require_POST
def ticket_action(request, number: str):
    ticket = ticket_get_for_user(number, request.user)
    action = ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, "未知的操作")
        return redirect("ticket_detail", number=number)
    try:
        result = action(request, ticket)
    except ServiceError as exc:
        messages.error(request, exc.message)
        if request.POST.get("action") == "reply":  # a refused reply stays in the form, with what was found
            request.session[_draft_key(number)] = request.POST.get("body", "")
            if isinstance(exc, Refused):
                request.session[_refusal_key(number)] = exc.to_dict()
    except KeyError as exc:
        messages.error(request, f"缺少字段：{exc.args[0]}")
    else:
        messages.success(request, "已保存")
        if getattr(result, "number", number) != number:
            return redirect("ticket_detail", number=result.number)
    return redirect("ticket_detail", number=number)


@login_required
def breach_list(request):
    page = Paginator(breaches_for(request.user), 50)
    return render(request, "tickets/breaches.html", {"page": page.get_page(request.GET.get("page"))})
