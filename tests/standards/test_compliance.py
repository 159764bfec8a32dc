"""The compliance checker as an agent and a supervisor meet it."""

import sys

import pytest

from kefu.standards.compliance import (
    Checker,
    check,
    get_checker,
    is_blocking,
    profiles,
    rewrite,
)
from kefu.standards.compliance.rulebook import load_rulebook


def rule_ids(text, channel="phone", profile="generic"):
    return [v.rule_id for v in check(text, channel, profile)]


@pytest.mark.parametrize(
    "text",
    [
        "我不知道",
        "我不知道啊",
        "我不知道呀",
        "我不 知 道",
        "我不…知道",
        "我不😀知道",
        "我不不知道",
        "我不知道",  # full-width is not needed for CJK, but mixed with full-width Latin below
        "ＯＫ，我不知道",
    ],
)
def test_dont_know_is_caught_in_its_everyday_variants(text):
    assert "dont_know" in rule_ids(text)


@pytest.mark.parametrize(
    "text",
    [
        "你到底有没有听我讲",
        "你到底听没听我讲",
        "你到底有沒有聽我講",
        "你 到底 有没有 在听我讲啊",
        "你到底有没有认真听我讲😡",
    ],
)
def test_gap_patterns_catch_words_between_the_parts(text):
    assert rule_ids(text) == ["are_you_listening"]


def test_span_covers_the_offending_words_in_the_original_text():
    text = "好的，你問我，我問誰啊？"
    [v] = check(text)
    assert v.rule_id == "ask_me_who"
    assert text[v.start : v.end] == v.text == "你問我，我問誰啊"
    assert v.severity == "severe" and v.category == "推卸"
    assert "000_8bbbf25f8e008225.txt" in v.source


def test_traditional_span_with_noise_maps_back():
    text = "這個我不 😀清楚呢。"
    [v] = check(text)
    assert v.rule_id == "dont_know"
    assert v.text == "我不 😀清楚呢"


def test_polite_constructions_pass():
    for sentence in [
        "对不起，我不太清楚，但我可以帮您问一问。",
        "请您稍等，我帮您核实一下。",
        "很抱歉，可能由于信号问题，我听不太清楚您的讲话。",
        "不知您是否方便？",
        "不好意思，让您久等了。",
        "很抱歉，我无法帮助您。",
        "这是我应该做的。",
        "您好，您的包裹明天送达。谢谢您。您还有其他问题吗？",
    ]:
        assert check(sentence) == [], sentence


def test_paraphrases_the_rulebook_does_not_list_are_caught():
    assert rule_ids("这事儿真不归我们管") == ["not_my_business"]
    assert rule_ids("有本事你就去投诉我好了") == ["dare_to_complain"]
    assert set(rule_ids("这个问题我也解决不了，您爱找谁找谁")) == {"push_elsewhere"}
    [v] = check("你究竟懂不懂我在说什么")
    assert (v.category, v.severity) == ("责备", "severe")


def test_chat_only_rules_apply_to_chat_only():
    text = "亲，您的订单明天才能发哦~😊"
    assert rule_ids(text, "phone") == []
    assert rule_ids(text, "email") == []
    chat = check(text, "chat")
    assert {v.rule_id for v in chat} == {"chat_qin", "chat_particle", "chat_emoji"}
    assert {text[v.start : v.end] for v in chat} >= {"亲", "~", "😊"}


def test_ni_inside_a_severe_phrase_is_reported_once():
    assert rule_ids("你问我我问谁") == ["ask_me_who"]
    assert rule_ids("你好，请稍等") == ["ni_address"]


def test_rewrite_is_one_click_and_compliant():
    text = "你好，我不知道啊！"
    violations = check(text)
    fixed = rewrite(text, violations)
    assert fixed == "您好，我帮您核实一下！"
    assert check(fixed) == []


def test_severe_violations_block_sending():
    assert is_blocking(check("有本事就投诉我"))
    assert not is_blocking(check("你好"))
    assert check("有本事就投诉我")[0].to_dict()["severity"] == "severe"


def test_profiles_add_their_own_rules():
    assert rule_ids("不好意思，让您久等了。") == []
    assert rule_ids("不好意思，让您久等了。", profile="xinying") == ["xinying_long_wait_apology"]
    assert rule_ids("没有单号我们是不受理的", profile="xintianjie") == ["xtj_no_waybill_refusal"]
    assert rule_ids("没有单号我们是不受理的") == []
    assert set(profiles()) == {"generic", "bufan", "xintianjie", "oufei", "fangbiao", "xinying"}


def test_a_profile_can_disable_a_rule():
    data = {
        "particles": "啊",
        "rules": [
            {
                "id": "r1",
                "category": "推卸",
                "category_code": "shirk",
                "severity": "major",
                "channels": "all",
                "patterns": ["不知道"],
                "message": "m",
                "source": "000_8bbbf25f8e008225.txt",
                "examples": {"seed": "不知道", "variants": ["a", "b", "c"]},
            }
        ],
        "profiles": {"quiet": {"name": "安静", "disable": ["r1"]}},
    }
    from kefu.standards.compliance.rulebook import parse_rulebook

    book = parse_rulebook(data)
    assert [v.rule_id for v in Checker(book, "generic").check("我不知道")] == ["r1"]
    assert Checker(book, "quiet").check("我不知道") == []


def test_unknown_channel_and_profile_are_refused_in_chinese():
    with pytest.raises(ValueError, match="未知的渠道"):
        check("您好", channel="fax")
    with pytest.raises(ValueError, match="未知的品牌配置"):
        check("您好", profile="nobody")


def test_checker_is_cached_per_profile():
    assert get_checker("oufei") is get_checker("oufei")
    assert get_checker("oufei") is not get_checker("generic")


def test_empty_and_noise_only_text():
    assert check("") == []
    assert check("。。。！！  ") == []
    assert check("😀😀", "chat")[0].rule_id == "chat_emoji"


def test_pyahocorasick_fallback_gives_the_same_results(monkeypatch):
    monkeypatch.setitem(sys.modules, "ahocorasick_rs", None)
    fallback = Checker(load_rulebook(), "generic")
    assert fallback._scanner._rs is None
    for text in [
        "你问我，我问谁？",
        "我不不知道啊",
        "对不起，我不太清楚，但我可以帮您问一问。",
        "你到底听没听我讲",
    ]:
        assert fallback.check(text) == check(text)
