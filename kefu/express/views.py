"""Express pages: pickup intake and tracking, data imports with their progress, the monthly settlement."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kefu.customers.models import Customer
from kefu.customers.services import customer_open, customers_open
from kefu.errors import ServiceError
from kefu.express import services
from kefu.express.forms import PickupForm, pickup_places
from kefu.express.imports import parse_month
from kefu.express.models import Discrepancy, ImportJob, PickupOrder, Settlement
from kefu.express.selectors import (
    couriers_of,
    express_brand_for_user,
    import_job_get_for_user,
    import_jobs_of,
    pickup_get_for_user,
    pickups_done,
    pickups_open,
    settlement_get_for_user,
    settlements_of,
    statement_get_for_user,
)
from kefu.express.settlement import (
    discrepancy_kinds,
    settlement_queue,
    settlement_xlsx,
    statement_lines,
    statements_by_area,
)
from kefu.jobs.selectors import jobs_of
from kefu.timeutil import local_now

DISCREPANCIES_SHOWN = 500


def _brand(request):
    return express_brand_for_user(request.GET.get("brand") or None, request.user)


@login_required
def pickup_form(request):
    """取件下单: every field checked as it is typed (message beside it), then the service answers at once."""
    brand = _brand(request)
    now = local_now()
    form = PickupForm(request.POST or None, now=now, initial={"pieces": "1"})
    order = None
    if request.method == "POST" and form.is_valid():
        try:
            order = services.pickup_create(brand=brand, data=form.pickup_data(), actor=request.user, at=now)
        except ServiceError as exc:
            form.add_service_error(exc)
    recent = PickupOrder.objects.filter(brand=brand).select_related("courier", "ticket")[:10]
    return render(
        request,
        "express/pickup.html",
        {
            "brand": brand,
            "form": form,
            "order": order,
            "recent": recent,
            "a": order.assessment if order else None,
            "places": pickup_places(form),
        },
    )


@login_required
def pickups(request):
    """Pickup orders until their courier has been: due time, lateness, courier; dispatch, picked up, cancel."""
    brand = _brand(request)
    return render(
        request,
        "express/pickups.html",
        {
            "brand": brand,
            "open": pickups_open(brand),
            "done": pickups_done(brand),
            "couriers": couriers_of(brand),
            "now": local_now(),
            "nav": "pickups",
        },
    )


@login_required
@require_POST
def pickup_action(request, pk: int):
    order = pickup_get_for_user(pk, request.user)
    courier = request.POST.get("courier", "")
    try:
        _, done = services.pickup_act(
            order=order,
            action=request.POST.get("action", ""),
            actor=request.user,
            courier_id=int(courier) if courier.isdigit() else None,
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(f"{reverse('express_pickups')}#pickup-{order.pk}")


@login_required
def imports_page(request):
    """Upload a waybill, scan or face-sheet file; it is imported in the background with a progress bar."""
    brand = _brand(request)
    jobs = import_jobs_of(brand, request.user)
    error = None
    if request.method == "POST":
        try:
            job = services.import_job_create(
                brand=brand,
                kind=request.POST.get("kind", ""),
                upload=request.FILES.get("file"),
                actor=request.user,
            )
        except ServiceError as exc:
            error = exc
        else:
            services.import_job_start(job, actor=request.user)
            return redirect("express_import_job", pk=job.pk)
    return render(
        request,
        "express/imports.html",
        {
            "brand": brand,
            "jobs": jobs,
            "kinds": ImportJob.Kind.choices,
            "chosen": request.POST.get("kind", "scans"),
            "error": error,
            "nav": "imports",
        },
    )


@login_required
def import_job(request, pk: int):
    """The job's progress bar and summary; htmx polls the progress part until the import has finished."""
    job = import_job_get_for_user(pk, request.user)
    template = "express/_import_progress.html" if request.htmx else "express/import_job.html"
    return render(request, template, {"brand": job.brand, "job": job, "nav": "imports"})


@login_required
@require_POST
def import_job_rerun(request, pk: int):
    job = import_job_get_for_user(pk, request.user)
    if job.can_rerun:
        services.import_job_start(job, actor=request.user)
        messages.success(request, "已重新开始导入；已存入的行会自动跳过")
    else:
        messages.error(request, "该文件正在导入或已导入完成")
    return redirect("express_import_job", pk=job.pk)


@login_required
def settlement_list(request, *, error: ServiceError | None = None, month: str = ""):
    """The brand's settled months, and the settlements still running (htmx polls that part until they end)."""
    brand = _brand(request)
    settlements = settlements_of(brand, request.user)
    jobs = jobs_of(request.user, kind="express.settle", brand=brand)
    context = {
        "brand": brand,
        "settlements": settlements,
        "jobs": jobs,
        "polling": any(job.active for job in jobs),
        "error": error,
        "month": month,
    }
    template = "express/_settlement_jobs.html" if request.htmx else "express/settlements.html"
    return render(request, template, context)


@login_required
@require_POST
def settlement_run(request):
    """Queue a month's settlement; a month that does not exist or has not begun is answered beside the field."""
    month = request.POST.get("month", "")
    try:
        job = settlement_queue(brand=_brand(request), month=parse_month(month), actor=request.user)
    except ServiceError as exc:
        if exc.field != "month":
            raise
        return settlement_list(request, error=exc, month=month)
    messages.success(request, f"已开始 {job.args['month'][:7]} 月结，完成后列在下方")
    return redirect(f"{reverse('express_settlements')}?brand={job.brand.code}")


def _settlement(request, month: str) -> Settlement:
    return settlement_get_for_user(_brand(request), parse_month(month), request.user)


@login_required
def settlement_detail(request, month: str):
    settlement = _settlement(request, month)
    kind = request.GET.get("kind", "")
    discrepancies = settlement.discrepancies.all()
    if kind in Discrepancy.Kind.values:
        discrepancies = discrepancies.filter(kind=kind)
    else:
        kind = ""
    return render(
        request,
        "express/settlement.html",
        {
            "settlement": settlement,
            "groups": statements_by_area(settlement),
            "kinds": discrepancy_kinds(settlement),
            "kind": kind,
            "discrepancies": discrepancies[:DISCREPANCIES_SHOWN],
            "shown": DISCREPANCIES_SHOWN,
        },
    )


@login_required
def settlement_download(request, month: str):
    settlement = _settlement(request, month)
    customers_open(
        customers=Customer.objects.filter(statement__settlement=settlement).distinct(),
        user=request.user,
        via=f"月结 Excel {settlement.month:%Y-%m}",
    )
    response = HttpResponse(
        settlement_xlsx(settlement),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="yuejie-{settlement.month:%Y-%m}.xlsx"'
    return response


@login_required
def statement_detail(request, pk: int):
    statement = statement_get_for_user(pk, request.user)
    customer_open(
        customer=statement.customer, user=request.user, via=f"对账单 {statement.settlement.month:%Y-%m}"
    )
    return render(
        request,
        "express/statement.html",
        {
            "s": statement,
            "lines": statement_lines(statement)[:5000],
            "discrepancies": statement.discrepancies.all(),
        },
    )
