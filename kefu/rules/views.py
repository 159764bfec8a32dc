"""规则 pages: a supervisor changes the forbidden phrases and the wording of the brands they serve. Parse, call
one service or selector, answer; a refusal is shown beside its field with what was typed kept."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kefu.accounts import access
from kefu.errors import ServiceError
from kefu.rules import selectors, services
from kefu.rules.models import RuleKind
from kefu.standards import sla
from kefu.standards.compliance.rulebook import CHANNEL_NAMES, SEVERITY_NAMES
from kefu.timeutil import local_now

CLOCK_NAMES = {"calendar": "自然时间（昼夜不停）", "working": "工作时间（只在服务时间内计时）"}
FORM_FIELDS = (
    "patterns",
    "category",
    "severity",
    "rewrite",
    "message",
    "examples",
    "counter_examples",
    "reason",
)


def _page(request, template: str, brand, tab: str, *, status: int = 200, **context):
    brands = selectors.brands_for_rules(request.user)
    return render(request, template, {"brand": brand, "brands": brands, "tab": tab, **context}, status=status)


@login_required
def home(request):
    access.require(request.user, "rules.change")
    if request.GET.get("brand"):  # the brand picker
        return redirect(
            "rules_forbidden", brand=selectors.brand_for_rules(request.GET["brand"], request.user).code
        )
    brands = selectors.brands_for_rules(request.user)
    if not brands:
        raise ServiceError("您还没有分配服务品牌，暂时没有可修改的规则")
    return redirect("rules_forbidden", brand=brands[0].code)


@login_required
def forbidden_list(request, brand: str):
    found = selectors.brand_for_rules(brand, request.user)
    return _page(request, "rules/forbidden.html", found, "forbidden", rows=selectors.forbidden_rows(found))


@login_required
def forbidden_edit(request, brand: str):
    found = selectors.brand_for_rules(brand, request.user)
    rule_id = request.GET.get("rule", "")
    if request.method == "GET":
        form = selectors.forbidden_rule_form(found, rule_id) if rule_id else {"channels": list(CHANNEL_NAMES)}
        return _edit_page(request, found, rule_id, form)
    form = {name: request.POST.get(name, "") for name in FORM_FIELDS}
    form["channels"] = request.POST.getlist("channels")
    try:
        if request.POST.get("action") == "try":
            trial = services.forbidden_try(found, form, rule_id=rule_id)
            return render(request, "rules/_trial.html", {"trial": trial})
        services.rule_forbidden_save(
            brand=found, form=form, actor=request.user, reason=form["reason"], rule_id=rule_id
        )
    except ServiceError as exc:
        if request.htmx:
            return render(request, "rules/_trial.html", {"error": exc})
        return _edit_page(request, found, rule_id, form, error=exc)
    messages.success(request, "忌语已保存，所有坐席的话术检查即刻生效")
    return redirect("rules_forbidden", brand=found.code)


def _edit_page(request, brand, rule_id: str, form: dict, error: ServiceError | None = None):
    return _page(
        request,
        "rules/forbidden_edit.html",
        brand,
        "forbidden",
        rule_id=rule_id,
        form=form,
        error=error,
        categories=selectors.categories(),
        severities=SEVERITY_NAMES,
        channels=CHANNEL_NAMES,
        status=400 if error else 200,
    )


@login_required
@require_POST
def forbidden_action(request, brand: str, rule: str):
    found = selectors.brand_for_rules(brand, request.user)
    reason = request.POST.get("reason", "")
    if request.POST.get("action") == "reset":
        services.rule_reset(brand=found, kind=RuleKind.FORBIDDEN, key=rule, actor=request.user, reason=reason)
        messages.success(request, "已恢复出厂规则")
    else:
        change = services.rule_forbidden_disable(brand=found, rule_id=rule, actor=request.user, reason=reason)
        messages.success(request, "已停用该忌语" if change.after else "已删除该忌语")
    return redirect("rules_forbidden", brand=found.code)


@login_required
def phrase_list(request, brand: str):
    found = selectors.brand_for_rules(brand, request.user)
    rows = selectors.phrase_rows(found, at=local_now())
    return _page(request, "rules/phrases.html", found, "phrases", rows=rows)


@login_required
def phrase_edit(request, brand: str, situation: str):
    found = selectors.brand_for_rules(brand, request.user)
    current = selectors.phrase_form(found, situation)
    error, lines, reason = None, current["lines"], ""
    if request.method == "POST":
        lines, reason = request.POST.get("lines", ""), request.POST.get("reason", "")
        try:
            if request.POST.get("action") == "reset":
                services.rule_reset(
                    brand=found, kind=RuleKind.PHRASE, key=situation, actor=request.user, reason=reason
                )
            else:
                services.rule_phrase_save(
                    brand=found, situation=situation, lines=lines, actor=request.user, reason=reason
                )
        except ServiceError as exc:
            error = exc
        else:
            messages.success(request, f"“{current['situation'].name}”的话术已保存")
            return redirect("rules_phrases", brand=found.code)
    return _page(
        request,
        "rules/phrase_edit.html",
        found,
        "phrases",
        current=current,
        lines=lines,
        reason=reason,
        error=error,
        status=400 if error else 200,
    )


@login_required
def sla_list(request, brand: str):
    found = selectors.brand_for_rules(brand, request.user)
    return _page(request, "rules/sla.html", found, "sla", rows=selectors.sla_rows(found))


@login_required
def sla_edit(request, brand: str, ticket_type: str):
    found = selectors.brand_for_rules(brand, request.user)
    key = request.GET.get("target", "")
    current = selectors.sla_form(found, ticket_type, key)
    target = current["target"]
    form = {"amount": target.amount, "unit": target.unit, "clock": target.clock, "reason": ""}
    error = None
    if request.method == "POST":
        form = {name: request.POST.get(name, "") for name in form}
        try:
            if request.POST.get("action") == "reset":
                services.rule_reset(
                    brand=found, kind=RuleKind.SLA, key=ticket_type, actor=request.user, reason=form["reason"]
                )
            else:
                services.rule_sla_save(
                    brand=found, ticket_type=ticket_type, target_key=key, actor=request.user, **form
                )
        except ServiceError as exc:
            error = exc
        else:
            messages.success(request, f"“{target.name}”的时限已保存，此后新开始的计时按新时限")
            return redirect("rules_sla", brand=found.code)
    return _page(
        request,
        "rules/sla_edit.html",
        found,
        "sla",
        **current,
        form=form,
        error=error,
        units=sla.UNIT_NAMES,
        clocks=CLOCK_NAMES,
        status=400 if error else 200,
    )


@login_required
def history(request, brand: str):
    found = selectors.brand_for_rules(brand, request.user)
    return _page(request, "rules/history.html", found, "history", changes=selectors.history_rows(found))


@login_required
@require_POST
def revert(request, brand: str, change_id: int):
    change = selectors.change_for_rules(brand, change_id, request.user)
    services.rule_change_revert(change=change, actor=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, f"已撤销第 {change_id} 号修改")
    return redirect("rules_history", brand=change.brand.code)


@login_required
def export(request, brand: str):
    found = selectors.brand_for_rules(brand, request.user)
    response = HttpResponse(selectors.export_yaml(found), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rules-{found.code}.yaml"'
    return response
