"""Agent pages for express service work: the hub, tracking queries, problem parcels, claims, complaints, 有发无到.

(views.py holds the pickup form and the monthly settlement.) Each view reads a form, calls one
service or selector, and redirects or renders; a service's Chinese error is shown next to its field.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kefu.errors import ServiceError
from kefu.express import services
from kefu.express.forms import (
    ArrivalsForm,
    ClaimForm,
    ClaimStateForm,
    ComplaintForm,
    ProblemReportForm,
    ProblemStepForm,
    QueryForm,
)
from kefu.express.rules import complaint_clock, complaint_types
from kefu.express.selectors import (
    claim_get_for_user,
    claim_rows,
    claims_of,
    express_overview,
    problem_card,
    problem_get_for_user,
    problems_open,
    problems_recently_done,
    query_classify,
    scans_of,
    sent_not_arrived_by_origin,
    waybill_get,
)
from kefu.express.views import _brand
from kefu.timeutil import local_now


def _back(request, name: str, anchor: str = "") -> str:
    """The page's URL, keeping the brand chosen in the query string."""
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    return f"{reverse(name)}{query}{anchor}"


@login_required
def hub(request):
    brand = _brand(request)
    return render(
        request, "express/hub.html", {"brand": brand, "counts": express_overview(brand), "nav": "hub"}
    )


# ---------------------------------------------------------------- tracking queries


@login_required
def query(request):
    """Type a number (or the sender's phone, name, date): the rules classify it; one click opens the ticket."""
    brand = _brand(request)
    data = request.POST if request.method == "POST" else request.GET
    form = QueryForm(data) if any(k in data for k in QueryForm.base_fields) else QueryForm()
    preview = None
    if form.is_bound and form.is_valid():
        args = {k: form.cleaned_data[k] for k in ("sender_phone", "sender_name")}
        try:
            if request.method == "POST":
                result = services.query_open(
                    brand=brand,
                    number=form.cleaned_data["number"],
                    actor=request.user,
                    day=form.cleaned_data["date"],
                    **args,
                )
                if result.ticket is not None:
                    messages.success(request, f"已建立查询工单 {result.ticket.number}")
                    return redirect("ticket_detail", number=result.ticket.number)
            preview = query_classify(
                brand, form.cleaned_data["number"], now=local_now(), day=form.cleaned_data["date"], **args
            )
        except ServiceError as exc:
            form.add_service_error(exc)
    return render(
        request,
        "express/query.html",
        {
            "brand": brand,
            "form": form,
            "preview": preview,
            "scans": scans_of(preview.waybill) if preview and preview.waybill else [],
            "searched": preview is not None and preview.result.kind in ("no_number", "not_found"),
            "nav": "query",
        },
    )


# ---------------------------------------------------------------- problem parcels


@login_required
def problems(request):
    """Open problem parcels with their steps, and the form to report one."""
    brand = _brand(request)
    form = ProblemReportForm(request.POST or None, brand=brand)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        waybill = waybill_get(brand, data["waybill_number"])
        if waybill is None:
            form.add_error("waybill_number", f"没有找到运单：{data['waybill_number']}")
        else:
            try:
                problem = services.problem_report(
                    waybill=waybill,
                    kind=data["kind"],
                    station=data["station"] or waybill.destination,
                    actor=request.user,
                    note=data["note"],
                    eta=data["eta"],
                )
            except ServiceError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, f"已上报问题件，工单 {problem.ticket.number}")
                return redirect(_back(request, "express_problems", f"#problem-{problem.pk}"))
    return render(
        request,
        "express/problems.html",
        {
            "brand": brand,
            "form": form,
            "cards": [problem_card(p) for p in problems_open(brand)],
            "done": problems_recently_done(brand),
            "nav": "problems",
        },
    )


@login_required
@require_POST
def problem_advance(request, pk: int):
    """htmx: do the next step of a problem parcel and return its card (with the error next to the field)."""
    problem = problem_get_for_user(pk, request.user)
    form = ProblemStepForm(request.POST)
    done = None
    if form.is_valid():
        try:
            problem = services.problem_advance(problem=problem, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            done = form.cleaned_data["step"]
    if not request.htmx:
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return redirect(_back(request, "express_problems", f"#problem-{problem.pk}"))
    return render(
        request,
        "express/_problem.html",
        {"card": problem_card(problem), "step_form": form, "done_step": done},
    )


# ---------------------------------------------------------------- claims


@login_required
def claims(request):
    """Claims with the engine's decision, the rules that fired and their deadlines; the form to file one."""
    brand = _brand(request)
    form = ClaimForm(request.POST or None, initial={"claimant_role": "sender", "packaged_by": "courier"})
    if request.method == "POST" and form.is_valid():
        try:
            claim = services.claim_file(
                brand=brand,
                waybill_number=form.cleaned_data["waybill_number"],
                claim=form.claim(),
                waybill_facts=form.waybill_facts(),
                actor=request.user,
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"已建立理赔工单 {claim.ticket.number}")
            return redirect(_back(request, "express_claims", f"#claim-{claim.pk}"))
    return render(
        request,
        "express/claims.html",
        {"brand": brand, "form": form, "rows": claim_rows(claims_of(brand, limit=30)), "nav": "claims"},
    )


@login_required
@require_POST
def claim_state(request, pk: int):
    """htmx: move a claim to its next state and return its row."""
    claim = claim_get_for_user(pk, request.user)
    form = ClaimStateForm(request.POST)
    error = None
    if form.is_valid():
        try:
            claim = services.claim_advance(claim=claim, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            error = exc.message
    else:
        error = "；".join(
            f"{form.fields[name].label}：{e}" for name, errors in form.errors.items() for e in errors
        )
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(_back(request, "express_claims", f"#claim-{claim.pk}"))
    claim = claim_get_for_user(pk, request.user)
    return render(request, "express/_claim.html", {"row": claim_rows([claim])[0], "error": error})


# ---------------------------------------------------------------- complaints


@login_required
def complaint_new(request):
    """A typed complaint (004 第三节 一): the type's handling steps and the 7-day clock come with the ticket."""
    brand = _brand(request)
    form = ComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.complaint_open(
                brand=brand,
                type_code=form.cleaned_data["type"],
                subtype=form.cleaned_data["subtype"],
                description=form.cleaned_data["description"],
                waybill_number=form.cleaned_data["waybill_number"],
                actor=request.user,
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"已建立投诉工单 {ticket.number}")
            return redirect("ticket_detail", number=ticket.number)
    return render(
        request,
        "express/complaint_new.html",
        {
            "brand": brand,
            "form": form,
            "kinds": complaint_types(),
            "clock": complaint_clock(local_now()),
            "nav": "complaints",
        },
    )


# ---------------------------------------------------------------- 有发无到


@login_required
def arrivals(request):
    """What other stations sent to this one and never arrived; one click opens the origin stations' tickets."""
    brand = _brand(request)
    if request.method == "POST":
        form = ArrivalsForm(request.POST, brand=brand)
    else:
        form = ArrivalsForm(
            {**ArrivalsForm.defaults(brand, local_now().date()), **request.GET.dict()}, brand=brand
        )
    groups = []
    if form.is_valid():
        station = form.cleaned_data["station"]
        since, until = form.period()
        if request.method == "POST":
            opened = services.sent_not_arrived_follow_up(
                station=station, since=since, until=until, actor=request.user
            )
            if opened:
                messages.success(
                    request,
                    f"已为 {len(opened)} 个发出站点开跟进工单：" + "、".join(t.number for t in opened),
                )
            else:
                messages.info(request, "没有尚未跟进的有发无到快件，未开新工单")
            query = {k: request.POST[k] for k in ("station", "since", "until")}
            return redirect(f"{reverse('express_arrivals')}?{urlencode(query)}")
        groups = sent_not_arrived_by_origin(station, since=since, until=until)
    return render(
        request,
        "express/arrivals.html",
        {
            "brand": brand,
            "form": form,
            "groups": groups,
            "pending": sum(len(g.pending) for g in groups),
            "now": local_now(),
            "nav": "arrivals",
        },
    )
