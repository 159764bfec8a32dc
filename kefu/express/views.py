"""Express pages: pickup intake and tracking, data imports with their progress, the monthly settlement."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kefu.errors import ServiceError
from kefu.express import services
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
    settle_month,
    settlement_xlsx,
    statement_lines,
    statements_by_area,
)
from kefu.timeutil import local_now

DISCREPANCIES_SHOWN = 500

FORM_FIELDS = (
    "customer_name",
    "origin_province",
    "origin_city",
    "origin_district",
    "dest_province",
    "dest_city",
    "dest_district",
    "item_name",
    "pieces",
    "weight_kg",
    "length",
    "width",
    "height",
    "special_handling",
    "contact_name",
    "phone",
    "address",
    "pickup_time",
)


def _brand(request):
    return express_brand_for_user(request.GET.get("brand") or None, request.user)


def _pickup_data(form: dict) -> dict:
    dims = [form.get(k, "").strip() for k in ("length", "width", "height")]
    pieces = form.get("pieces", "").strip()
    return {
        "customer_name": form.get("customer_name", ""),
        "returning_customer": form.get("returning") == "1",
        "origin": {
            "province": form.get("origin_province", ""),
            "city": form.get("origin_city", ""),
            "district": form.get("origin_district", ""),
        },
        "destination": {
            "province": form.get("dest_province", ""),
            "city": form.get("dest_city", ""),
            "district": form.get("dest_district", ""),
        },
        "item_name": form.get("item_name", ""),
        "pieces": int(pieces) if pieces.isdigit() else (pieces or 1),
        "weight_kg": form.get("weight_kg", ""),
        "dimensions_cm": dims if all(dims) else None,
        "special_handling": form.get("special_handling", ""),
        "contact_name": form.get("contact_name", ""),
        "phone": form.get("phone", ""),
        "address": form.get("address", ""),
        "pickup_time": form.get("pickup_time", "") or None,
    }


@login_required
def pickup_form(request):
    brand = _brand(request)
    form = {k: request.POST.get(k, "") for k in FORM_FIELDS} if request.method == "POST" else {"pieces": "1"}
    order, error = None, None
    if request.method == "POST":
        try:
            order = services.pickup_create(brand=brand, data=_pickup_data(request.POST), actor=request.user)
        except ServiceError as exc:
            error = exc
    recent = PickupOrder.objects.filter(brand=brand).select_related("courier", "ticket")[:10]
    return render(
        request,
        "express/pickup.html",
        {
            "brand": brand,
            "form": form,
            "order": order,
            "error": error,
            "recent": recent,
            "a": order.assessment if order else None,
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
            services.import_job_start(job)
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
        services.import_job_start(job)
        messages.success(request, "已重新开始导入；已存入的行会自动跳过")
    else:
        messages.error(request, "该文件正在导入或已导入完成")
    return redirect("express_import_job", pk=job.pk)


@login_required
def settlement_list(request):
    brand = _brand(request)
    return render(
        request,
        "express/settlements.html",
        {"brand": brand, "settlements": settlements_of(brand, request.user)},
    )


@login_required
@require_POST
def settlement_run(request):
    settlement = settle_month(
        brand=_brand(request), month=parse_month(request.POST.get("month", "")), actor=request.user
    )
    return redirect("express_settlement", month=f"{settlement.month:%Y-%m}")


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
    response = HttpResponse(
        settlement_xlsx(settlement),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="yuejie-{settlement.month:%Y-%m}.xlsx"'
    return response


@login_required
def statement_detail(request, pk: int):
    statement = statement_get_for_user(pk, request.user)
    return render(
        request,
        "express/statement.html",
        {
            "s": statement,
            "lines": statement_lines(statement)[:5000],
            "discrepancies": statement.discrepancies.all(),
        },
    )
