"""A supervisor reviews a deduction with a reason; the agent appeals once; the supervisor answers. Each is
on the sheet (who, when, old → new, reason) and in the ticket's history; nobody else may do it."""

import pytest

from kefu.errors import Conflict, PermissionDenied, ServiceError


def _index(sheet, criterion):
    return next(i for i, it in enumerate(sheet.items) if it["criterion"] == criterion and it["deduction"])


def _notes(sheet, prefix):
    return list(sheet.ticket.events.filter(kind="note", body__startswith=prefix).order_by("id"))


@pytest.mark.django_db
def test_a_supervisor_changes_a_deduction_with_a_reason(bad_sheet, cast):
    from kefu.qa.services import sheet_review

    item = _index(bad_sheet, "first_reply_late")
    before = bad_sheet.total
    sheet = sheet_review(
        sheet=bad_sheet,
        actor=cast.supervisor,
        item=item,
        deduction=0,
        reason="排队期间坐席全忙，不计坐席责任",
    )
    assert sheet.total == before + 5 and sheet.items[item]["deduction"] == 0 and sheet.items[item]["ok"]
    assert sheet.reviewed_at is not None
    event = sheet.events.get(kind="reviewed")
    assert (event.actor, event.old_deduction, event.new_deduction) == (cast.supervisor, 5, 0)
    assert (event.old_total, event.new_total, event.reason) == (
        before,
        before + 5,
        "排队期间坐席全忙，不计坐席责任",
    )
    [note] = _notes(sheet, "质检复核")
    assert note.actor == cast.supervisor and "扣分 5 → 0" in note.body and "排队期间坐席全忙" in note.body


@pytest.mark.django_db
def test_a_review_can_make_a_sheet_pass(bad_sheet, cast):
    from kefu.qa.services import sheet_review

    item = _index(bad_sheet, "ended_unresolved")
    sheet = sheet_review(
        sheet=bad_sheet, actor=cast.supervisor, item=item, deduction=0, reason="客户表示自行查询"
    )
    assert sheet.total >= sheet.pass_score and sheet.passed and sheet.sheet["passed"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"deduction": 0, "reason": "  "}, "reason", "请填写理由"),
        ({"deduction": 99, "reason": "太重"}, "deduction", "0 到 5 分之间"),
        ({"deduction": 5, "reason": "不变"}, "deduction", "没有变化"),
        ({"item": 99, "deduction": 0, "reason": "无此项"}, "item", "没有这一项"),
        ({"deduction": 0, "reason": "长" * 501}, "reason", "500"),
    ],
)
def test_bad_review_input_is_refused_in_chinese_and_writes_nothing(bad_sheet, cast, change, field, message):
    from kefu.qa.services import sheet_review

    args = {"item": _index(bad_sheet, "first_reply_late"), **change}
    events, notes = bad_sheet.events.count(), bad_sheet.ticket.events.count()
    with pytest.raises(ServiceError) as refused:
        sheet_review(sheet=bad_sheet, actor=cast.supervisor, **args)
    assert refused.value.field == field and message in refused.value.message
    bad_sheet.refresh_from_db()
    assert bad_sheet.events.count() == events and bad_sheet.ticket.events.count() == notes
    assert bad_sheet.reviewed_at is None


@pytest.mark.django_db
def test_only_supervisors_review_and_never_their_own_conversation(bad_sheet, scripted_chat, cast):
    from kefu.qa.services import sheet_review

    item = _index(bad_sheet, "first_reply_late")
    with pytest.raises(PermissionDenied, match="只有主管"):
        sheet_review(sheet=bad_sheet, actor=cast.agent_b, item=item, deduction=0, reason="我觉得不该扣")
    own = scripted_chat(
        [("c", 10, "在吗"), ("claim", 400, ""), ("a", 420, "您好"), ("end", 430, "")],
        agent=cast.supervisor,
        brand=cast.brand_a,
    ).score_sheet
    with pytest.raises(PermissionDenied, match="自己"):
        sheet_review(
            sheet=own, actor=cast.supervisor, item=_index(own, "first_reply_late"), deduction=0, reason="x"
        )


@pytest.mark.django_db
def test_the_agent_appeals_once_with_a_reason(bad_sheet, cast):
    from kefu.qa.models import ScoreSheet
    from kefu.qa.services import sheet_appeal

    item = _index(bad_sheet, "first_reply_late")
    sheet = sheet_appeal(
        sheet=bad_sheet, actor=cast.agent_b, item=item, reason="客户排队 11 分钟，我接入后 90 秒就回复了"
    )
    assert sheet.appeal == ScoreSheet.Appeal.PENDING
    event = sheet.events.get(kind="appealed")
    assert (event.actor, event.item, event.criterion) == (cast.agent_b, item, "first_reply_late")
    [note] = _notes(sheet, "质检申诉：")
    assert note.actor == cast.agent_b and "首次回复及时" in note.body and "90 秒" in note.body
    with pytest.raises(Conflict, match="只能申诉一次"):
        sheet_appeal(sheet=sheet, actor=cast.agent_b, reason="再申诉一次")
    assert sheet.events.filter(kind="appealed").count() == 1


@pytest.mark.django_db
def test_the_agent_may_not_appeal_again_after_the_answer(bad_sheet, cast):
    from kefu.qa.services import sheet_answer_appeal, sheet_appeal

    sheet_appeal(sheet=bad_sheet, actor=cast.agent_b, reason="请复核")
    sheet_answer_appeal(sheet=bad_sheet, actor=cast.supervisor, reason="维持：客户等待时未致歉")
    with pytest.raises(Conflict, match="只能申诉一次"):
        sheet_appeal(sheet=bad_sheet, actor=cast.agent_b, reason="还是不服")


@pytest.mark.django_db
def test_only_the_agent_of_the_conversation_appeals(bad_sheet, cast):
    from kefu.accounts.models import User
    from kefu.qa.services import sheet_appeal

    colleague = User.objects.create_user("agent_b2", password="pw-123456", agent_no="2012", team=cast.team_b)
    for other in (colleague, cast.agent_a, cast.supervisor):
        with pytest.raises(PermissionDenied, match="本人"):
            sheet_appeal(sheet=bad_sheet, actor=other, reason="代他申诉")
    assert not bad_sheet.events.filter(kind="appealed").exists()


@pytest.mark.django_db
def test_an_agent_moved_off_the_brand_can_no_longer_appeal(bad_sheet, cast):
    from kefu.qa.services import sheet_appeal

    cast.agent_b.team = cast.team_a
    cast.agent_b.save()
    with pytest.raises(PermissionDenied, match="品牌"):
        sheet_appeal(sheet=bad_sheet, actor=cast.agent_b, reason="申诉")


@pytest.mark.django_db
def test_the_supervisor_answers_the_appeal_by_changing_the_appealed_deduction(bad_sheet, cast):
    from kefu.qa.models import ScoreSheet
    from kefu.qa.services import sheet_answer_appeal, sheet_appeal

    item = _index(bad_sheet, "first_reply_late")
    sheet_appeal(sheet=bad_sheet, actor=cast.agent_b, item=item, reason="排队时间不是我造成的")
    before = bad_sheet.total
    sheet = sheet_answer_appeal(
        sheet=bad_sheet, actor=cast.supervisor, item=item, deduction=0, reason="属实，排队超时不计坐席"
    )
    assert sheet.appeal == ScoreSheet.Appeal.ANSWERED and sheet.total == before + 5
    answer = sheet.events.get(kind="appeal_answered")
    assert (answer.actor, answer.old_deduction, answer.new_deduction) == (cast.supervisor, 5, 0)
    [note] = _notes(sheet, "质检申诉答复")
    assert "改判" in note.body and "属实" in note.body
    with pytest.raises(Conflict, match="没有待答复"):
        sheet_answer_appeal(sheet=sheet, actor=cast.supervisor, reason="再答一次")


@pytest.mark.django_db
def test_an_upheld_appeal_keeps_the_score(bad_sheet, cast):
    from kefu.qa.services import sheet_answer_appeal, sheet_appeal

    sheet_appeal(sheet=bad_sheet, actor=cast.agent_b, reason="请复核")
    before = bad_sheet.total
    sheet = sheet_answer_appeal(sheet=bad_sheet, actor=cast.supervisor, reason="客户等待 12 分钟，回复未致歉")
    assert sheet.total == before
    [note] = _notes(sheet, "质检申诉答复")
    assert f"维持原评分（{before} 分）" in note.body


@pytest.mark.django_db
def test_answers_need_a_pending_appeal_and_a_supervisor(bad_sheet, cast):
    from kefu.qa.services import sheet_answer_appeal, sheet_appeal

    with pytest.raises(Conflict, match="没有待答复"):
        sheet_answer_appeal(sheet=bad_sheet, actor=cast.supervisor, reason="答复")
    sheet_appeal(sheet=bad_sheet, actor=cast.agent_b, reason="请复核")
    with pytest.raises(PermissionDenied, match="只有主管"):
        sheet_answer_appeal(sheet=bad_sheet, actor=cast.agent_b, reason="我自己答复")
    with pytest.raises(ServiceError, match="请选择"):
        sheet_answer_appeal(sheet=bad_sheet, actor=cast.supervisor, deduction=0, reason="改判")


@pytest.mark.django_db
def test_the_sheets_record_is_append_only_and_one_appeal_is_a_database_rule(bad_sheet, cast):
    from django.db import IntegrityError, transaction

    from kefu.qa.models import AppendOnlyError, ScoreSheetEvent

    scored = bad_sheet.events.get()
    with pytest.raises(AppendOnlyError):
        scored.save()
    with pytest.raises(AppendOnlyError):
        scored.delete()
    ScoreSheetEvent.objects.create(
        sheet=bad_sheet, kind="appealed", actor=cast.agent_b, at=scored.at, reason="a"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoreSheetEvent.objects.create(
            sheet=bad_sheet, kind="appealed", actor=cast.agent_b, at=scored.at, reason="b"
        )
