"""Reads of the quality check: who may see, review and appeal a sheet, the sheet page, the supervisor's list.

A sheet is seen by the agent whose conversation it is and by supervisors of its brand; the permission
checks here are the ones the services enforce, so a page shows a form exactly when its write is allowed.
"""

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kefu.accounts import access
from kefu.accounts.models import User
from kefu.chat.models import ChatSession
from kefu.errors import Conflict, NotFound, PermissionDenied, ServiceError
from kefu.qa.models import ScoreSheet, ScoreSheetEvent
from kefu.standards import qa
from kefu.tickets.models import Ticket

# The list's tabs: their names and which sheets each shows (the list and its counts read the same conditions).
FILTERS = {
    "": ("全部", Q()),
    "failed": ("不合格", Q(passed=False)),
    "appealed": ("申诉中", Q(appeal=ScoreSheet.Appeal.PENDING)),
    "reviewed": ("已复核", Q(reviewed_at__isnull=False)),
}
SHOW = {key: name for key, (name, _) in FILTERS.items()}


def check_may_view(sheet: ScoreSheet, user: User) -> None:
    if not access.can(user, "qa.review") and user.pk != sheet.agent_id:
        raise PermissionDenied("只有被质检的坐席本人和主管可以查看评分表")
    access.require_brand(user, sheet.ticket.brand_id, what="该评分表")


def check_may_judge(sheet: ScoreSheet, user: User) -> None:
    """Review a deduction or answer an appeal: a supervisor of the brand, not on their own conversation."""
    if not access.can(user, "qa.review"):
        raise PermissionDenied("只有主管可以复核评分表")
    access.require_brand(user, sheet.ticket.brand_id, what="该评分表")
    if user.pk == sheet.agent_id:
        raise PermissionDenied("不能复核或答复自己接待的对话的评分表")


def check_may_appeal(sheet: ScoreSheet, user: User) -> None:
    """申诉: the agent whose conversation it is, once."""
    if user.pk != sheet.agent_id:
        raise PermissionDenied("只有被质检的坐席本人可以申诉")
    access.require_brand(user, sheet.ticket.brand_id, what="该评分表")
    if sheet.appeal != ScoreSheet.Appeal.NONE:
        raise Conflict("每张评分表只能申诉一次，您已经申诉过了", code="already_appealed")


def _allowed(check, sheet: ScoreSheet, user: User) -> bool:
    try:
        check(sheet, user)
    except ServiceError:
        return False
    return True


def sheet_get_for_user(sheet_id: int, user: User) -> ScoreSheet:
    sheet = (
        ScoreSheet.objects.select_related("ticket", "ticket__brand", "agent", "chat")
        .filter(pk=sheet_id)
        .first()
    )
    if sheet is None:
        raise NotFound("没有找到这张评分表", field="sheet")
    check_may_view(sheet, user)
    return sheet


def chat_sheet_panel(session: ChatSession, user: User) -> dict:
    """The workspace's panel of an ended chat: its sheet if the user may see it, the deductions first."""
    sheet = ScoreSheet.objects.select_related("ticket").filter(chat=session).first()
    if sheet is None or not _allowed(check_may_view, sheet, user):
        return {"sheet": None, "hidden": sheet is not None}
    deducted = [{**it, "where": item_where(it)} for it in sheet.items if it.get("deduction")]
    return {"sheet": sheet, "deducted": deducted, "met": len(sheet.items) - len(deducted)}


def item_where(item: dict) -> str:
    """Where on the transcript a sheet item points: 第3句, or nothing for the whole conversation."""
    return f"第{item['turn'] + 1}句" if item.get("turn") is not None else ""


def sheets_for_ticket(ticket: Ticket, user: User) -> list[ScoreSheet]:
    """The ticket's sheets the user may see (the ticket page's links)."""
    if not access.serves(user, ticket.brand_id):
        return []
    # check_may_view in one query: supervisors see every sheet of the ticket, an agent their own.
    sheets = ScoreSheet.objects.select_related("ticket").filter(ticket=ticket).order_by("scored_at")
    return list(sheets if access.can(user, "qa.review") else sheets.filter(agent=user))


def sheets_for_user(user: User, *, show: str = "", agent_no: str = "") -> QuerySet[ScoreSheet]:
    """Supervisors: every sheet of their brands; an agent: their own. `show` filters (SHOW)."""
    if show not in SHOW:
        raise ServiceError("未知的筛选条件", field="show")
    qs = ScoreSheet.objects.select_related("ticket", "ticket__brand", "agent")
    qs = access.scoped(qs, user, "ticket__brand") if access.can(user, "qa.review") else qs.filter(agent=user)
    if agent_no.strip():
        qs = qs.filter(agent__agent_no=agent_no.strip())
    return qs.filter(FILTERS[show][1]).order_by("-scored_at", "-id")


def sheet_counts(user: User) -> dict[str, int]:
    """How many sheets each filter shows (the list's tabs)."""
    counts = sheets_for_user(user).aggregate(
        **{f"n_{key}": Count("id", filter=condition) for key, (_, condition) in FILTERS.items()}
    )
    return {key: counts[f"n_{key}"] for key in FILTERS}


def _speaker(turn: dict, agent_no: str | None) -> str:
    if turn.get("speaker") == "customer":
        return "客户"
    if turn.get("sent_by") == "system":
        return "系统代坐席发送"
    return f"坐席 {agent_no}" if agent_no else "坐席"


def _clock(value: str | None) -> str:
    return value[11:19] if value and len(value) >= 19 else ""


def sheet_page(sheet: ScoreSheet, user: User) -> dict:
    """Everything the sheet page shows: the items with their changes, the conversation with the turns the
    deductions point at, the appeal and its answer, and which forms the user may use."""
    events = list(sheet.events.select_related("actor").order_by("at", "id"))
    changes: dict[int, list[ScoreSheetEvent]] = {}
    for e in events:
        if e.item is not None and e.new_deduction is not None:
            changes.setdefault(e.item, []).append(e)
    items = []
    for i, it in enumerate(sheet.items):
        its = changes.get(i, [])
        items.append(
            {
                **it,
                "index": i,
                "where": item_where(it),
                "scored": its[0].old_deduction if its else it.get("deduction", 0),
                "changes": its,
                "limit": qa.deduction_limit(it["criterion"]),
            }
        )
    marks: dict[int, list[dict]] = {}
    for it in items:
        if it.get("turn") is not None and (it["deduction"] or it["scored"]):
            marks.setdefault(it["turn"], []).append(it)
    turns = [
        {
            "index": i,
            "number": i + 1,
            "speaker": _speaker(t, sheet.transcript.get("agent_no")),
            "side": "customer"
            if t.get("speaker") == "customer"
            else ("system" if t.get("sent_by") == "system" else "agent"),
            "text": t.get("text", ""),
            "at": _clock(t.get("at")),
            "marks": marks.get(i, []),
        }
        for i, t in enumerate(sheet.transcript.get("turns", []))
    ]
    appeal = next((e for e in events if e.kind == ScoreSheetEvent.Kind.APPEALED), None)
    answer = next((e for e in events if e.kind == ScoreSheetEvent.Kind.APPEAL_ANSWERED), None)
    deducted = [it for it in items if it["deduction"]]
    return {
        "sheet": sheet,
        "ticket": sheet.ticket,
        "items": items,
        "deducted": deducted,
        "met": len(items) - len(deducted),
        "lost": sum(it["deduction"] for it in items),
        "turns": turns,
        "events": events,
        "appeal": appeal,
        "appeal_item": items[appeal.item] if appeal and appeal.item is not None else None,
        "answer": answer,
        "can_review": _allowed(check_may_judge, sheet, user),
        "can_answer": sheet.appeal == ScoreSheet.Appeal.PENDING and _allowed(check_may_judge, sheet, user),
        "can_appeal": _allowed(check_may_appeal, sheet, user),
        "scored_at": timezone.localtime(sheet.scored_at),
    }
