"""Every write of the quality check: score a finished conversation, review a deduction, appeal, answer.

Who may do what is checked here, not in the pages (the rules are kefu.qa.selectors' check_may_*, which
the pages read too): only supervisors of the sheet's brand review and answer appeals (never on their own
conversation); only the agent whose conversation it is appeals, once.
Each change is a row on the sheet (ScoreSheetEvent) and a note in the ticket's append-only history.
"""

from datetime import datetime

from django.db import transaction

from kefu.accounts.models import User
from kefu.chat.models import ChatSession
from kefu.errors import Conflict, ServiceError
from kefu.qa.models import ScoreSheet, ScoreSheetEvent
from kefu.qa.selectors import check_may_appeal, check_may_judge, item_where
from kefu.rules.selectors import brand_rules
from kefu.standards import qa
from kefu.tickets import services as tickets
from kefu.tickets.models import Ticket
from kefu.timeutil import local_now

Kind = ScoreSheetEvent.Kind
MAX_REASON = 500


def sheet_score(
    *,
    ticket: Ticket,
    agent: User | None,
    transcript: dict,
    chat: ChatSession | None = None,
    at: datetime | None = None,
) -> ScoreSheet | None:
    """Score a finished conversation and keep its sheet. A conversation no agent took part in, or in which
    nobody wrote anything, has nothing to score (None)."""
    at = local_now(at)
    authored = [t for t in transcript.get("turns", []) if t.get("sent_by", "agent") != "system"]
    if agent is None or not authored:
        return None
    rules = brand_rules(ticket.brand)
    result = qa.score(transcript, checker=rules.checker, policies=rules.policies)
    with transaction.atomic():
        sheet = ScoreSheet.objects.create(
            ticket=ticket,
            chat=chat,
            agent=agent,
            channel=result.channel,
            profile=result.profile,
            transcript=transcript,
            sheet=result.to_dict(),
            total=result.total,
            max_score=result.max_score,
            pass_score=result.pass_score,
            passed=result.passed,
            scored_at=at,
        )
        ScoreSheetEvent.objects.create(sheet=sheet, kind=Kind.SCORED, at=at, new_total=result.total)
        tickets.ticket_note(
            ticket=ticket,
            actor=None,
            at=at,
            body=f"质检评分：{result.total}/{result.max_score} 分，{_verdict(result.passed)}"
            f"（合格线 {result.pass_score}，坐席 {agent}）",
        )
    return sheet


def sheet_review(
    *, sheet: ScoreSheet, actor: User, item: int, deduction: int, reason: str, at: datetime | None = None
) -> ScoreSheet:
    """A supervisor changes one deduction of a sheet, with a reason."""
    at = local_now(at)
    reason = _reason(reason)
    with transaction.atomic():
        sheet = _locked(sheet)
        check_may_judge(sheet, actor)
        event = _change(
            sheet, actor=actor, kind=Kind.REVIEWED, item=item, deduction=deduction, reason=reason, at=at
        )
        tickets.ticket_note(
            ticket=sheet.ticket,
            actor=actor,
            at=at,
            body=f"质检复核：{_describe(sheet, event)}，理由：{reason}",
        )
    return sheet


def sheet_appeal(
    *, sheet: ScoreSheet, actor: User, reason: str, item: int | None = None, at: datetime | None = None
) -> ScoreSheet:
    """申诉: the agent whose conversation it is disputes the sheet (or one item of it), once, with a reason."""
    at = local_now(at)
    reason = _reason(reason)
    with transaction.atomic():
        sheet = _locked(sheet)
        check_may_appeal(sheet, actor)
        criterion = ""
        if item is not None:
            criterion = _item(sheet, item)["criterion"]
        sheet.appeal = ScoreSheet.Appeal.PENDING
        sheet.save(update_fields=["appeal"])
        ScoreSheetEvent.objects.create(
            sheet=sheet, kind=Kind.APPEALED, actor=actor, at=at, item=item, criterion=criterion, reason=reason
        )
        about = f"对“{_item_label(sheet, item)}”" if item is not None else "对评分表"
        tickets.ticket_note(
            ticket=sheet.ticket,
            actor=actor,
            at=at,
            body=f"质检申诉：{about}提出申诉（得分 {sheet.total}），理由：{reason}",
        )
    return sheet


def sheet_answer_appeal(
    *,
    sheet: ScoreSheet,
    actor: User,
    reason: str,
    item: int | None = None,
    deduction: int | None = None,
    at: datetime | None = None,
) -> ScoreSheet:
    """A supervisor answers the appeal: upholds the sheet, or changes one deduction (`item`, `deduction`)."""
    at = local_now(at)
    reason = _reason(reason)
    with transaction.atomic():
        sheet = _locked(sheet)
        check_may_judge(sheet, actor)
        if sheet.appeal != ScoreSheet.Appeal.PENDING:
            raise Conflict("这张评分表没有待答复的申诉", code="no_appeal")
        if deduction is not None and item is None:
            raise ServiceError("请选择要改判的评分项", field="item")
        if deduction is None:
            event = ScoreSheetEvent.objects.create(
                sheet=sheet,
                kind=Kind.APPEAL_ANSWERED,
                actor=actor,
                at=at,
                old_total=sheet.total,
                new_total=sheet.total,
                reason=reason,
            )
            outcome = f"维持原评分（{sheet.total} 分）"
        else:
            event = _change(
                sheet,
                actor=actor,
                kind=Kind.APPEAL_ANSWERED,
                item=item,
                deduction=deduction,
                reason=reason,
                at=at,
            )
            outcome = f"改判，{_describe(sheet, event)}"
        sheet.appeal = ScoreSheet.Appeal.ANSWERED
        sheet.save(update_fields=["appeal"])
        tickets.ticket_note(
            ticket=sheet.ticket, actor=actor, at=at, body=f"质检申诉答复：{outcome}，理由：{reason}"
        )
    return sheet


# ---------------------------------------------------------------- helpers


def _locked(sheet: ScoreSheet) -> ScoreSheet:
    return (
        ScoreSheet.objects.select_for_update(of=("self",)).select_related("ticket", "agent").get(pk=sheet.pk)
    )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写理由", field="reason")
    if len(reason) > MAX_REASON:
        raise ServiceError(f"理由最长 {MAX_REASON} 字", field="reason")
    return reason


def _item(sheet: ScoreSheet, item: int) -> dict:
    items = sheet.items
    if not isinstance(item, int) or not 0 <= item < len(items):
        raise ServiceError("评分表上没有这一项", field="item")
    return items[item]


def _item_label(sheet: ScoreSheet, item: int | None) -> str:
    if item is None:
        return "整张评分表"
    it = sheet.items[item]
    return f"{item_where(it)} {it['name']}".strip()


def _change(
    sheet: ScoreSheet, *, actor: User, kind: str, item: int, deduction: int, reason: str, at: datetime
) -> ScoreSheetEvent:
    """Set one item's deduction, recompute the sheet and record old → new."""
    entry = _item(sheet, item)
    limit = qa.deduction_limit(entry["criterion"])
    if not isinstance(deduction, int) or not 0 <= deduction <= limit:
        raise ServiceError(f"“{entry['name']}”的扣分应在 0 到 {limit} 分之间", field="deduction")
    old = int(entry.get("deduction") or 0)
    if deduction == old:
        raise ServiceError(f"扣分没有变化（仍为 {old} 分）", field="deduction")
    data = dict(sheet.sheet)
    items = [dict(i) for i in data["items"]]
    items[item] = {**entry, "deduction": deduction, "ok": deduction == 0}
    total, passed = qa.retotal(items)
    old_total = sheet.total
    sheet.sheet = {**data, "items": items, "total": total, "passed": passed}
    sheet.total, sheet.passed, sheet.reviewed_at = total, passed, at
    sheet.save(update_fields=["sheet", "total", "passed", "reviewed_at"])
    return ScoreSheetEvent.objects.create(
        sheet=sheet,
        kind=kind,
        actor=actor,
        at=at,
        item=item,
        criterion=entry["criterion"],
        old_deduction=old,
        new_deduction=deduction,
        old_total=old_total,
        new_total=total,
        reason=reason,
    )


def _describe(sheet: ScoreSheet, event: ScoreSheetEvent) -> str:
    return (
        f"“{_item_label(sheet, event.item)}”扣分 {event.old_deduction} → {event.new_deduction}，"
        f"得分 {event.old_total} → {event.new_total}（{_verdict(sheet.passed)}）"
    )


def _verdict(passed: bool) -> str:
    return "合格" if passed else "不合格"
