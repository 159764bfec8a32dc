"""Pages of the quality check: the sheet (read-only for the agent, with the 申诉 form; review forms for
supervisors) and the list of sheets. Parse, call one service or selector, answer; nothing else."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kefu.errors import ServiceError
from kefu.qa import selectors, services

DONE = {"review": "复核已保存", "appeal": "申诉已提交，等待主管答复", "answer": "已答复申诉"}


def _number(value: str | None, label: str, field: str, *, required: bool = True) -> int | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise ServiceError(f"请填写{label}", field=field)
        return None
    try:
        return int(value)
    except ValueError:
        raise ServiceError(f"{label}必须是整数", field=field) from None


def _draft_key(sheet_id: int) -> str:
    return f"qa-draft-{sheet_id}"


@login_required
def sheet_list(request):
    show = request.GET.get("show", "")
    agent_no = request.GET.get("agent", "")
    sheets = selectors.sheets_for_user(request.user, show=show, agent_no=agent_no)
    counts = selectors.sheet_counts(request.user)
    context = {
        "page": Paginator(sheets, 50).get_page(request.GET.get("page")),
        "show": show,
        "agent_no": agent_no,
        "tabs": [(key, label, counts[key]) for key, label in selectors.SHOW.items()],
    }
    return render(request, "qa/list.html", context)


@login_required
def sheet_detail(request, sheet_id: int):
    sheet = selectors.sheet_get_for_user(sheet_id, request.user)
    context = selectors.sheet_page(sheet, request.user)
    context["draft"] = request.session.pop(_draft_key(sheet_id), {})
    return render(request, "qa/sheet.html", context)


@login_required
@require_POST
def sheet_action(request, sheet_id: int):
    sheet = selectors.sheet_get_for_user(sheet_id, request.user)
    action, post = request.POST.get("action", ""), request.POST
    try:
        if action == "review":
            services.sheet_review(
                sheet=sheet,
                actor=request.user,
                item=_number(post.get("item"), "评分项", "item"),
                deduction=_number(post.get("deduction"), "新的扣分", "deduction"),
                reason=post.get("reason", ""),
            )
        elif action == "appeal":
            services.sheet_appeal(
                sheet=sheet,
                actor=request.user,
                item=_number(post.get("item"), "评分项", "item", required=False),
                reason=post.get("reason", ""),
            )
        elif action == "answer":
            services.sheet_answer_appeal(
                sheet=sheet,
                actor=request.user,
                item=_number(post.get("item"), "评分项", "item", required=False),
                deduction=_number(post.get("deduction"), "新的扣分", "deduction", required=False),
                reason=post.get("reason", ""),
            )
        else:
            raise ServiceError("未知的操作", field="action")
    except ServiceError as exc:
        messages.error(request, exc.message)
        request.session[_draft_key(sheet_id)] = {
            k: post.get(k, "") for k in ("action", "item", "deduction", "reason")
        }
    else:
        messages.success(request, DONE[action])
    return redirect("qa_sheet", sheet_id=sheet_id)
