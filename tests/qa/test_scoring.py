"""Every finished chat is scored and kept as a ScoreSheet on its ticket; kefu's own opening and closing count
for the agent; the issue's bad chat fails with each deduction at its turn."""

import pytest

from tests.qa.conftest import BAD, GOOD


def _deductions(sheet, criterion):
    return [it for it in sheet.items if it["criterion"] == criterion and it["deduction"]]


def _text_at(sheet, item):
    return sheet.transcript["turns"][item["turn"]]["text"]


@pytest.mark.django_db
def test_the_issues_bad_chat_fails_with_each_deduction_at_its_turn(bad_sheet, cast):
    sheet = bad_sheet
    assert sheet.agent == cast.agent_b and sheet.chat.ticket == sheet.ticket
    assert not sheet.passed and sheet.total < sheet.pass_score
    [late] = _deductions(sheet, "first_reply_late")
    assert _text_at(sheet, late) == "你好，请问有什么事？" and "12 分钟" in late["detail"]
    [no_apology] = _deductions(sheet, "long_wait_apology")
    assert _text_at(sheet, no_apology) == "你好，请问有什么事？"
    [ni] = _deductions(sheet, "polite_address")
    assert _text_at(sheet, ni) == "你好，请问有什么事？"
    [unresolved] = _deductions(sheet, "ended_unresolved")
    assert _text_at(sheet, unresolved) == "这个我这边也看不到更多信息。"
    # kefu greeted the customer and sent the closing on the agent's behalf
    assert not _deductions(sheet, "opening") and not _deductions(sheet, "closing")
    assert sheet.total == sheet.max_score - sum(it["deduction"] for it in sheet.items)


@pytest.mark.django_db
def test_a_chat_that_followed_the_scripts_scores_full_marks_with_one_greeting(good_sheet, cast):
    from kefu.standards import qa
    from kefu.standards.text import fold

    sheet = good_sheet
    met = {it["criterion"]: it for it in sheet.items}
    for criterion in ("opening", "opening_greeting", "opening_agent_no", "opening_repeated", "closing"):
        assert met[criterion]["ok"], met[criterion]
    assert [it["detail"] for it in sheet.items if it["deduction"]] == []
    assert sheet.total == 100 and sheet.passed
    # The customer was greeted once: by kefu, on the agent's behalf; the agent did not greet again.
    messages = list(sheet.chat.messages.order_by("seq"))
    greetings = [m for m in messages if m.client_id == "greeting"]
    agent_greetings = [
        m
        for m in messages
        if m.sender == "agent"
        and qa._intent("opening").search(fold(m.body))
        and qa._intent("opening_full").search(fold(m.body))
    ]
    assert len(greetings) == 1 and agent_greetings == []
    system = [t for t in sheet.transcript["turns"] if t.get("sent_by") == "system"]
    assert [t["script"] for t in system] == ["opening", "opening", "closing"]  # greeting, 工号, end


@pytest.mark.django_db
def test_an_agent_who_greets_again_is_deducted_for_the_repeat(scripted_chat):
    script = list(GOOD)
    script[2] = (
        "a",
        60,
        "您好！信天捷快递，2002号为您服务。跟您核对一下，您的运单号是 XTJ2026 1124 0001，对吗？",
    )
    sheet = scripted_chat(script).score_sheet
    [repeat] = _deductions(sheet, "opening_repeated")
    assert _text_at(sheet, repeat).startswith("您好！信天捷快递，2002号为您服务")


@pytest.mark.django_db
def test_every_criterion_of_the_profile_is_on_the_sheet_including_forbidden_phrases(bad_sheet):
    listed = [it["criterion"] for it in bad_sheet.items]
    assert "forbidden_phrase" in listed and "first_reply_late" in listed
    assert "evaluation_invitation" not in listed  # 信天捷快递 does not invite a rating
    assert len(set(listed)) == 18


@pytest.mark.django_db
def test_scoring_is_in_the_ticket_history(bad_sheet):
    note = bad_sheet.ticket.events.filter(kind="note", body__startswith="质检评分").get()
    assert f"{bad_sheet.total}/100" in note.body and "不合格" in note.body
    assert bad_sheet.events.get().kind == "scored"


@pytest.mark.django_db
def test_a_chat_no_agent_took_is_not_scored(cast, ticket_types):
    from kefu.chat.services import chat_customer_message, chat_end, chat_start
    from kefu.qa.models import ScoreSheet

    session = chat_start(brand=cast.brand_b, visitor_name="访客")
    chat_customer_message(session=session, client_id="c-1", body="有人吗")
    chat_end(session=session, actor=None)
    assert not ScoreSheet.objects.exists()


@pytest.mark.django_db
def test_a_hand_off_promise_on_the_ticket_counts_as_the_agents_promise(scripted_chat, cast):
    from datetime import timedelta

    from kefu.accounts.models import Department
    from kefu.chat.models import ChatSession
    from kefu.chat.services import chat_end
    from kefu.tickets.services import ticket_hand_off

    session = scripted_chat(BAD[:-1])  # not ended yet
    assert session.state == ChatSession.State.ACTIVE
    ticket_hand_off(
        ticket=session.ticket,
        department=Department.objects.first(),
        actor=cast.agent_b,
        promise="派件站点 24 小时内给您回电",
        at=session.started_at + timedelta(seconds=830),
    )
    ended = chat_end(session=session, actor=cast.agent_b, at=session.started_at + timedelta(seconds=840))
    sheet = ended.score_sheet
    assert not _deductions(sheet, "ended_unresolved")
    assert sheet.transcript["promises"][0]["text"] == "派件站点 24 小时内给您回电"
