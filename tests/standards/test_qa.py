"""Quality check score sheets: sample conversations, each criterion, malformed transcripts."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from kefu.standards import qa
from kefu.standards.qa import score
from kefu.standards.transcript import TranscriptError

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def deductions(sheet: qa.ScoreSheet, criterion: str) -> list[qa.Item]:
    return [item for item in sheet.items if item.criterion == criterion and not item.ok]


def turns_of(sheet: qa.ScoreSheet, criterion: str) -> list[int | None]:
    return [item.turn for item in deductions(sheet, criterion)]


@pytest.mark.parametrize("name", ["phone_good", "chat_good", "email_good"])
def test_good_samples_score_full_marks(name: str) -> None:
    sheet = score(sample(name))
    assert sheet.deductions == [], [i.detail for i in sheet.deductions]
    assert sheet.total == sheet.max_score == 100
    assert sheet.passed


def test_good_phone_sample_checks_what_a_supervisor_checks() -> None:
    sheet = score(sample("phone_good"))
    met = {item.criterion for item in sheet.items if item.ok}
    assert {
        "opening",
        "opening_greeting",
        "closing",
        "evaluation_invitation",
        "read_back",
        "hold_wait_phrase",
        "hold_re_reminder",
        "hold_thanks",
        "forbidden_phrase",
        "polite_address",
    } <= met


@pytest.mark.parametrize("name", ["phone_bad", "chat_bad", "email_bad"])
def test_bad_samples_fail(name: str) -> None:
    sheet = score(sample(name))
    assert not sheet.passed
    assert sheet.total < sheet.pass_score
    assert sheet.total == sheet.max_score - sum(item.deduction for item in sheet.items)


def test_bad_phone_sample_deductions_point_at_their_turns() -> None:
    sheet = score(sample("phone_bad"))
    assert turns_of(sheet, "opening") == [0]
    assert 2 in turns_of(sheet, "forbidden_phrase")  # 你问我，我问谁
    assert turns_of(sheet, "read_back") == [1]  # the customer's waybill number was never read back
    assert turns_of(sheet, "hold_wait_phrase") == [2]  # 90 s hold without 请您稍等
    assert turns_of(sheet, "hold_re_reminder") == [3]  # > 1 min on the phone without a re-reminder
    assert turns_of(sheet, "hold_thanks") == [3]
    assert turns_of(sheet, "abusive_warnings") == [7]  # ended after one warning
    assert turns_of(sheet, "polite_address") == [3]  # 你的快递 (turn 2's 你 is inside the forbidden phrase)
    assert "7700 1234 5678".replace(" ", "") in deductions(sheet, "read_back")[0].detail
    assert deductions(sheet, "closing") == []  # an abusive call ended by the agent needs no closing


def test_bad_chat_sample_deductions_point_at_their_turns() -> None:
    sheet = score(sample("chat_bad"))
    assert turns_of(sheet, "supervisor_retention") == [8]  # one retention attempt, then transfer
    assert 8 in turns_of(sheet, "forbidden_phrase")  # 有意见，找领导去
    assert turns_of(sheet, "vague_answer") == [4]  # 应该是吧
    assert turns_of(sheet, "read_back") == [2]
    assert turns_of(sheet, "hold_re_reminder") == [4]  # 60 s in chat > 45 s
    assert turns_of(sheet, "hold_thanks") == [4]
    assert turns_of(sheet, "hold_wait_phrase") == []  # 请您稍等 was said
    assert deductions(sheet, "opening") == []


def test_bad_email_sample_deductions_point_at_their_turns() -> None:
    sheet = score(sample("email_bad"))
    assert turns_of(sheet, "opening") == [1]
    assert turns_of(sheet, "closing") == [3]
    assert set(turns_of(sheet, "forbidden_phrase")) == {1}
    assert turns_of(sheet, "read_back") == [0]
    assert turns_of(sheet, "vague_answer") == [3]
    assert turns_of(sheet, "polite_address") == [3]


def test_severe_forbidden_phrase_fails_whatever_the_total() -> None:
    data = sample("phone_good")
    data["turns"][8]["text"] = "你问我，我问谁？请问还有什么可以帮您？"
    sheet = score(data)
    severe = [i for i in deductions(sheet, "forbidden_phrase") if i.severity == "severe"]
    assert severe and severe[0].turn == 8
    assert not sheet.passed


# ---------------------------------------------------------------- opening and closing


def test_wrong_greeting_for_the_date_is_deducted() -> None:
    data = sample("phone_good")  # 2026-10-01, 国庆: 节日好 expected
    data["turns"][0]["text"] = "您好，欧飞，很高兴为您服务！"
    sheet = score(data)
    assert turns_of(sheet, "opening_greeting") == [0]
    assert "节日好" in deductions(sheet, "opening_greeting")[0].detail


def test_festive_greeting_on_qingming_is_deducted() -> None:
    data = sample("phone_good")
    data["started_at"] = "2026-04-05T09:30:00+08:00"
    data["holds"] = []
    sheet = score(data)  # still says 节日好
    assert turns_of(sheet, "opening_greeting") == [0]


def test_agent_number_required_where_the_profile_prescribes_it() -> None:
    data = sample("email_good")
    data["turns"][1]["text"] = data["turns"][1]["text"].replace("工号1024为您服务", "为您服务")
    assert turns_of(score(data), "opening_agent_no") == [1]


def test_missing_evaluation_invitation_for_oufei_phone() -> None:
    data = sample("phone_good")
    data["turns"][10]["text"] = "感谢您的来电，祝您节日愉快，再见！"
    sheet = score(data)
    assert turns_of(sheet, "evaluation_invitation") == [10]
    assert deductions(sheet, "closing") == []


# ---------------------------------------------------------------- holds


def _hold_call(seconds: int, channel: str = "phone", reminder: bool = False) -> dict[str, Any]:
    turns = [
        {
            "speaker": "agent",
            "text": "早上好！欢迎致电客户服务中心，1024号为您服务，请问有什么可以帮您？",
            "at": "2026-03-10T09:00:00+08:00",
        },
        {"speaker": "customer", "text": "帮我查一下退款进度", "at": "2026-03-10T09:00:05+08:00"},
        {"speaker": "agent", "text": "您的问题我需要核实一下，请您稍等。", "at": "2026-03-10T09:00:08+08:00"},
    ]
    if reminder:
        turns.append(
            {
                "speaker": "agent",
                "text": "很抱歉，我正在为您查询，请您耐心等待。",
                "at": "2026-03-10T09:00:40+08:00",
            }
        )
    end = 10 + seconds
    turns += [
        {
            "speaker": "agent",
            "text": "感谢您的耐心等待，退款已经原路退回。",
            "at": f"2026-03-10T09:{(end + 1) // 60:02d}:{(end + 1) % 60:02d}+08:00",
        },
        {"speaker": "agent", "text": "感谢您的来电，再见！", "at": "2026-03-10T09:05:00+08:00"},
    ]
    return {
        "channel": channel,
        "agent_no": "1024",
        "turns": turns,
        "holds": [
            {
                "start": "2026-03-10T09:00:10+08:00",
                "end": f"2026-03-10T09:{end // 60:02d}:{end % 60:02d}+08:00",
            }
        ],
    }


@pytest.mark.parametrize(
    ("channel", "seconds", "needs_reminder"),
    [("phone", 60, False), ("phone", 61, True), ("chat", 45, False), ("chat", 46, True)],
)
def test_re_reminder_thresholds_phone_one_minute_chat_45_seconds(
    channel: str, seconds: int, needs_reminder: bool
) -> None:
    sheet = score(_hold_call(seconds, channel))
    assert bool(deductions(sheet, "hold_re_reminder")) is needs_reminder
    assert not deductions(score(_hold_call(seconds, channel, reminder=True)), "hold_re_reminder")


def test_short_hold_needs_no_wait_phrase() -> None:
    data = _hold_call(4)
    data["turns"][2]["text"] = "好的。"
    data["turns"][3]["text"] = "退款已经原路退回。"
    sheet = score(data)
    assert not deductions(sheet, "hold_wait_phrase") and not deductions(sheet, "hold_thanks")
    data["holds"][0]["end"] = "2026-03-10T09:00:15+08:00"  # 5 s
    sheet = score(data)
    assert turns_of(sheet, "hold_wait_phrase") == [2]
    assert turns_of(sheet, "hold_thanks") == [3]


def test_email_has_no_hold_rules() -> None:
    data = _hold_call(120, "email")
    assert not deductions(score(data), "hold_re_reminder")


# ---------------------------------------------------------------- abusive, supervisor, silent


def _call(outcome: str, agent_lines: list[str], customer_first: str) -> dict[str, Any]:
    turns = [
        {"speaker": "agent", "text": "下午好！欢迎致电客户服务中心，1024号为您服务，请问有什么可以帮您？"},
        {"speaker": "customer", "text": customer_first},
    ]
    for line in agent_lines:
        turns += [{"speaker": "agent", "text": line}, {"speaker": "customer", "text": "……"}]
    return {"channel": "phone", "agent_no": "1024", "outcome": outcome, "turns": turns[:-1]}


def test_abusive_call_ended_after_two_warnings_is_fine() -> None:
    data = _call(
        "ended_abusive",
        [
            "为了和您保持良好的沟通，希望您使用文明用语。",
            "希望您使用文明用语，如您再次使用不文明语言，将结束本次通话！",
            "很抱歉，由于您多次使用不文明语言，本次通话将结束，再见！",
        ],
        "你们这群混蛋！",
    )
    sheet = score(data)
    assert not deductions(sheet, "abusive_warnings")
    assert any(i.criterion == "abusive_warnings" and i.ok for i in sheet.items)


def test_abusive_call_ended_without_warning_points_at_the_hang_up() -> None:
    data = _call("ended_abusive", ["很抱歉，本次通话将结束，再见！"], "你们这群混蛋！")
    assert turns_of(score(data), "abusive_warnings") == [2]


def test_supervisor_transfer_after_two_retention_attempts_is_fine() -> None:
    data = _call(
        "transferred_to_supervisor",
        [
            "王先生，请问您是什么问题呢，是否可以简单描述一下，我会尽力为您解决的。",
            "您的问题是属于我的职责范围内的，请您放心交给我为您处理好吗？",
            "好的，请您稍等，我马上为您转接值班主管，请不要挂机。",
        ],
        "我要找你们主管！",
    )
    assert not deductions(score(data), "supervisor_retention")


def test_supervisor_transfer_without_retention_points_at_the_transfer() -> None:
    data = _call(
        "transferred_to_supervisor", ["好的，请您稍等，我马上为您转接值班主管。"], "叫你们领导来接电话"
    )
    assert turns_of(score(data), "supervisor_retention") == [2]


def test_silent_customer_prompted_twice_then_ended() -> None:
    good = _call(
        "ended_silent",
        [
            "您好，您的电话已接通，请讲。",
            "您好，您的电话已接通，请讲。",
            "很抱歉，您的电话没有声音，请稍后再拨，感谢您的来电，再见！",
        ],
        "",
    )
    assert not deductions(score(good), "silent_handling")
    bad = _call("ended_silent", ["您好，您的电话已接通，请讲。", "没声音，挂了。"], "")
    assert turns_of(score(bad), "silent_handling") == [4]


# ---------------------------------------------------------------- read-back


@pytest.mark.parametrize(
    "read_back",
    [
        "跟您核对一下，您的手机号码是 1380 0138 000，对吗？",
        "您的号码是138-0013-8000对吧",
        "核对一下：幺三八零零幺三八零零零，对吗？",
    ],
)
def test_read_back_is_recognised_in_any_grouping(read_back: str) -> None:
    data = _call("normal", [read_back, "感谢您的来电，再见！"], "我的手机号是 138 0013 8000")
    assert not deductions(score(data), "read_back")


def test_customer_number_in_chinese_digits_needs_read_back() -> None:
    data = _call("normal", ["好的，马上为您处理。", "感谢您的来电，再见！"], "订单号是八八六六零零一二三四")
    assert turns_of(score(data), "read_back") == [1]


# ---------------------------------------------------------------- input


def test_traditional_characters_are_understood() -> None:
    data = _call("normal", ["請您稍等，正在為您查詢。", "感謝您的來電，再見！"], "謝謝")
    data["turns"][0]["text"] = "下午好！歡迎致電客戶服務中心，1024號為您服務，請問有什麼可以幫您？"
    sheet = score(data)
    assert not deductions(sheet, "opening") and not deductions(sheet, "closing")


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.pop("turns"), "turns"),
        (lambda d: d.update(turns=[]), "turns"),
        (lambda d: d.update(channel="fax"), "channel"),
        (lambda d: d.update(profile="nobody"), "profile"),
        (lambda d: d.update(outcome="exploded"), "outcome"),
        (lambda d: d["turns"][1].update(speaker="robot"), "turns[1].speaker"),
        (lambda d: d["turns"][2].update(text=42), "turns[2].text"),
        (lambda d: d["turns"][3].update(at="yesterday"), "turns[3].at"),
        (lambda d: d["turns"][3].pop("at"), "turns[3].at"),
        (lambda d: d["holds"][0].update(end="2026-10-01T09:00:00+08:00"), "holds[0].end"),
        (lambda d: d.update(holds="long"), "holds"),
        (lambda d: d.update(started_at="tomorrow"), "started_at"),
    ],
)
def test_malformed_transcript_names_the_field(mutate: Any, field: str) -> None:
    data = copy.deepcopy(sample("phone_good"))
    mutate(data)
    with pytest.raises(TranscriptError) as excinfo:
        score(data)
    assert str(excinfo.value).startswith(field)
    assert isinstance(excinfo.value, ValueError)


def test_transcript_must_be_an_object() -> None:
    with pytest.raises(TranscriptError, match="JSON 对象"):
        score([])  # type: ignore[arg-type]


def test_score_sheet_to_dict_is_json_ready() -> None:
    sheet = score(sample("chat_bad"))
    data = json.loads(json.dumps(sheet.to_dict(), ensure_ascii=False))
    assert data["total"] == sheet.total and data["passed"] is False
    item = next(i for i in data["items"] if i["criterion"] == "supervisor_retention")
    assert set(item) >= {"criterion", "name", "ok", "deduction", "turn", "detail", "source"}
    assert item["name"] == "转主管前两次挽留" and item["turn"] == 8


def test_every_criterion_in_the_rulebook_cites_a_source_and_is_exercised() -> None:
    criteria = qa.rulebook()["criteria"]
    seen: set[str] = set()
    for name in ("phone_good", "phone_bad", "chat_good", "chat_bad", "email_good", "email_bad"):
        seen |= {item.criterion for item in score(sample(name)).items if not item.ok}
    seen |= {
        "silent_handling",
        "opening_greeting",
        "opening_agent_no",
        "evaluation_invitation",
        "opening_repeated",
        "first_reply_late",
        "long_wait_apology",
    }  # tests above and below
    assert set(criteria) == seen
    for cid, criterion in criteria.items():
        assert criterion["source"], cid
        assert any(ch >= "\u4e00" for ch in criterion["name"]), cid


# ---------------------------------------------------------------- what kefu sends on the agent's behalf
#
# A chat as kefu records it: the brand's greeting when the customer opens the chat, the 工号 message when
# the agent joins, the end-of-session closing (turns sent_by "system"); 信天捷快递 prescribes the 工号.


def _kefu_chat(agent_lines: list[tuple[str, str]], *, joined: str = "10:00:40") -> dict[str, Any]:
    """Customer and agent lines after kefu's greeting; ("c"|"a", "HH:MM:SS text")."""
    turns: list[dict[str, Any]] = [
        {
            "speaker": "agent",
            "sent_by": "system",
            "script": "opening",
            "text": "您好！信天捷快递，请问有什么可以帮您？",
            "at": "2026-11-24T10:00:00+08:00",
        }
    ]
    for who, line in agent_lines:
        clock, text = line.split(" ", 1)
        if who == "joined":
            turns.append(
                {
                    "speaker": "agent",
                    "sent_by": "system",
                    "script": "opening",
                    "text": "工号 2002 客服为您服务",
                    "at": f"2026-11-24T{clock}+08:00",
                }
            )
            continue
        turns.append(
            {
                "speaker": "agent" if who == "a" else "customer",
                "text": text,
                "at": f"2026-11-24T{clock}+08:00",
            }
        )
    end = turns[-1]["at"]
    turns.append(
        {
            "speaker": "agent",
            "sent_by": "system",
            "script": "closing",
            "text": "感谢您的咨询，请您对本次服务进行评价，再见！",
            "at": end,
        }
    )
    return {
        "channel": "chat",
        "profile": "xintianjie",
        "brand": "xintianjie",
        "agent_no": "2002",
        "started_at": "2026-11-24T10:00:00+08:00",
        "ended_by": "agent",
        "turns": turns,
    }


GOOD_CHAT = [
    ("c", "10:00:20 我的快递到哪了，单号 XTJ202611240001"),
    ("joined", "10:00:40 -"),
    ("a", "10:01:00 跟您核对一下，您的运单号是 XTJ2026 1124 0001，对吗？"),
    ("c", "10:01:10 对"),
    ("a", "10:01:40 快件已经到达福州分拨中心，预计明天上午送达，请您留意电话。"),
    ("c", "10:02:00 好的谢谢"),
    ("a", "10:02:10 不客气，请问还有什么可以帮您？"),
    ("c", "10:02:30 没有了"),
]

# The issue's chat: 12 minutes' wait, greeted with 你好，请问有什么事？, ended by the agent unresolved.
BAD_CHAT = [
    ("c", "10:00:30 在吗？我的快递三天没更新了"),
    ("joined", "10:11:00 -"),
    ("a", "10:12:30 你好，请问有什么事？"),
    ("c", "10:13:00 我说了，快递三天没更新"),
    ("a", "10:13:40 这个我这边也看不到更多信息。"),
]


def test_a_chat_that_followed_the_scripts_scores_full_marks_on_opening_and_closing() -> None:
    sheet = score(_kefu_chat(GOOD_CHAT))
    assert sheet.deductions == [], [i.detail for i in sheet.deductions]
    met = {i.criterion: i for i in sheet.items}
    for criterion in ("opening", "opening_greeting", "opening_agent_no", "opening_repeated", "closing"):
        assert met[criterion].ok, criterion
    assert "系统代坐席发送开始语" in met["opening"].detail
    assert "系统代坐席发送结束语" in met["closing"].detail
    assert sheet.total == 100 and sheet.passed


def test_an_agent_who_greets_again_after_kefu_did_is_deducted_at_that_turn() -> None:
    lines = list(GOOD_CHAT)
    lines[2] = (
        "a",
        "10:01:00 您好！信天捷快递，2002号为您服务。跟您核对一下，您的运单号是 XTJ2026 1124 0001，对吗？",
    )
    sheet = score(_kefu_chat(lines))
    assert turns_of(sheet, "opening_repeated") == [3]
    assert "重复" in deductions(sheet, "opening_repeated")[0].detail
    assert sheet.total == 100 - 2


def test_answering_the_customers_own_greeting_is_not_a_repeated_opening() -> None:
    lines = list(GOOD_CHAT)
    lines[0] = ("c", "10:00:20 小姐您好")  # 004 第四篇 开场白用语 3: 您好，请问有什么可以帮您？
    lines[2] = ("a", "10:01:00 您好，请问有什么可以帮您？")
    assert deductions(score(_kefu_chat(lines)), "opening_repeated") == []


def test_the_issues_bad_chat_fails_with_each_deduction_at_its_turn() -> None:
    sheet = score(_kefu_chat(BAD_CHAT))
    assert turns_of(sheet, "first_reply_late") == [3]  # 12 minutes for the first reply, target 5
    assert "12 分钟" in deductions(sheet, "first_reply_late")[0].detail
    assert turns_of(sheet, "long_wait_apology") == [3]  # no 对不起 / 感谢您的耐心等待
    assert turns_of(sheet, "polite_address") == [3]  # 你好
    assert turns_of(sheet, "ended_unresolved") == [5]  # ended without a resolution or a promise
    assert deductions(sheet, "opening") == [] and deductions(sheet, "closing") == []  # kefu sent them
    assert not sheet.passed and sheet.total < sheet.pass_score
    assert sheet.total == 100 - 5 - 5 - 2 - 15


def test_an_apology_after_the_long_wait_is_what_the_seed_prescribes() -> None:
    lines = list(BAD_CHAT)
    lines[2] = ("a", "10:12:30 对不起，感谢您的耐心等待！请问有什么可以帮您？")  # 004 第四篇 抱怨与投诉 1
    sheet = score(_kefu_chat(lines))
    assert deductions(sheet, "long_wait_apology") == []
    assert turns_of(sheet, "first_reply_late") == [3]  # the breach itself still counts
    assert deductions(sheet, "opening_repeated") == []


def test_a_later_message_left_waiting_needs_an_apology_too() -> None:
    lines = [*GOOD_CHAT[:6], ("a", "10:08:30 不客气，请问还有什么可以帮您？")]  # 6½ minutes after 好的谢谢
    sheet = score(_kefu_chat(lines))
    assert turns_of(sheet, "long_wait_apology") == [7]
    assert deductions(sheet, "first_reply_late") == []  # the first reply was quick
    unanswered = [*GOOD_CHAT[:6], ("c", "10:09:00 还在吗？")]
    sheet = score(_kefu_chat(unanswered))
    assert turns_of(sheet, "long_wait_apology") == [6]  # 好的谢谢 never answered for 7 minutes


def test_the_reply_target_is_the_sla_rulebooks_first_response_target() -> None:
    from kefu.standards import sla
    from kefu.standards.transcript import parse_transcript

    first_response = next(
        t
        for t in sla.load_policies().targets_for("咨询", "xintianjie", channel="chat")
        if t.code == "first_response"
    )
    chat = parse_transcript(_kefu_chat(GOOD_CHAT))
    assert qa.reply_target_seconds(chat) == first_response.duration.total_seconds() == 300
    assert qa.reply_target_seconds(parse_transcript(sample("phone_good"))) is None  # no target on the phone
    assert not {"first_reply_late", "long_wait_apology"} & {
        i.criterion for i in score(sample("phone_good")).items
    }


@pytest.mark.parametrize(
    "last_line",
    [
        "已为您修改了收件地址，快件今天下午派送。",  # resolution
        "您反映的问题我已经记录下来了，会在今天18点前给您回复。",  # 003 篇三 (6)
        "您的问题我已记录好，会提交给相关人员处理，并在三个工作日内回复您。",  # 004 第四篇 8
        "我们核实后会尽快给您回电。",
        "预计明天上午送达，请您留意电话。",
    ],
)
def test_an_agent_who_resolves_or_promises_before_ending_is_not_deducted(last_line: str) -> None:
    lines = [*BAD_CHAT[:4], ("a", f"10:13:40 {last_line}")]
    assert deductions(score(_kefu_chat(lines)), "ended_unresolved") == []


@pytest.mark.parametrize("last_line", ["这个我这边也看不到更多信息。", "好的。", "系统显示还在路上。"])
def test_an_agent_who_ends_without_either_is_deducted_at_the_last_turn(last_line: str) -> None:
    lines = [*BAD_CHAT[:4], ("a", f"10:13:40 {last_line}")]
    assert turns_of(score(_kefu_chat(lines)), "ended_unresolved") == [5]


def test_a_promise_recorded_on_the_ticket_counts_and_a_customer_who_leaves_is_not_blamed() -> None:
    data = _kefu_chat(BAD_CHAT)
    data["promises"] = [{"text": "24 小时内由派件站点回电", "at": "2026-11-24T10:13:30+08:00"}]
    assert deductions(score(data), "ended_unresolved") == []
    data = _kefu_chat(BAD_CHAT)
    data["ended_by"] = "customer"
    assert deductions(score(data), "ended_unresolved") == []


def test_kefus_own_messages_are_never_the_agents_wording() -> None:
    data = _kefu_chat(GOOD_CHAT)
    data["turns"][-1]["text"] = "你的会话已结束。"  # a badly written system text is not the agent's fault
    sheet = score(data)
    assert deductions(sheet, "polite_address") == [] and deductions(sheet, "forbidden_phrase") == []


def _applicable(profile: str, channel: str) -> list[str]:
    profiles = __import__("kefu.standards.scripts", fromlist=["profiles"]).profiles()
    out = []
    for cid, c in qa.rulebook()["criteria"].items():
        rule = c.get("applies") or {}
        if rule.get("profile_feature") and not getattr(profiles[profile], rule["profile_feature"]):
            continue
        if rule.get("profile_channels") and channel not in getattr(
            profiles[profile], rule["profile_channels"]
        ):
            continue
        if "channels" in rule and channel not in rule["channels"]:
            continue
        if rule.get("reply_target") and channel != "chat":
            continue
        out.append(cid)
    return out


@pytest.mark.parametrize(
    "data",
    [
        _kefu_chat(GOOD_CHAT),
        _kefu_chat(BAD_CHAT),
        sample("phone_good"),
        sample("phone_bad"),
        sample("chat_bad"),
        sample("email_good"),
        sample("email_bad"),
    ],
)
def test_every_sheet_lists_every_criterion_of_the_profile_in_order(data: dict[str, Any]) -> None:
    sheet = score(data)
    listed = list(dict.fromkeys(item.criterion for item in sheet.items))
    assert listed == _applicable(sheet.profile, sheet.channel)


def test_the_forbidden_phrase_criterion_is_listed_when_only_ni_was_found() -> None:
    sheet = score(_kefu_chat(BAD_CHAT))  # 你好 is a 称呼 fault, not a 服务忌语
    forbidden = [i for i in sheet.items if i.criterion == "forbidden_phrase"]
    assert len(forbidden) == 1 and forbidden[0].ok and forbidden[0].name == "服务忌语"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["turns"][1].update(sent_by="robot"), "turns[1].sent_by"),
        (lambda d: d["turns"][1].update(sent_by="system"), "turns[1].sent_by"),  # a customer turn
        (lambda d: d["turns"][3].update(script="opening"), "turns[3].script"),  # the agent's own turn
        (lambda d: d.update(promises="soon"), "promises"),
        (lambda d: d.update(promises=[{"text": ""}]), "promises[0]"),
        (lambda d: d.update(brand=7), "brand"),
    ],
)
def test_malformed_kefu_fields_name_the_field(mutate: Any, field: str) -> None:
    data = _kefu_chat(GOOD_CHAT)
    mutate(data)
    with pytest.raises(TranscriptError) as excinfo:
        score(data)
    assert str(excinfo.value).startswith(field)


def test_retotal_follows_a_changed_deduction_and_the_severe_rule() -> None:
    sheet = score(sample("phone_bad")).to_dict()
    assert qa.retotal(sheet["items"]) == (sheet["total"], False)
    for item in sheet["items"]:
        item["deduction"] = 0
    assert qa.retotal(sheet["items"]) == (100, True)  # a waived severe phrase no longer fails the sheet
    assert qa.deduction_limit("forbidden_phrase") == 60 and qa.deduction_limit("opening") == 5
