"""Checker.check_many: one call for a batch of replies, the same answers as checking each one."""

import json
import random
from pathlib import Path

import pytest

from kefu.standards.compliance import CHANNELS, get_checker, load_prescribed
from kefu.standards.compliance.engine import BATCH_SEPARATOR
from kefu.standards.compliance.rulebook import load_rulebook

SAMPLES = Path(__file__).parent / "samples"

HANDWRITTEN = [
    "",
    "。。。！！  ",
    "您好，很高兴为您服务！",
    "我不知道",
    "我不 知 道啊",
    "我不😀知道",
    "我不不知道",
    "你問我，我問誰？",
    "好的，你問我，我問誰啊？",
    "你到底有沒有聽我講",
    "亲，这个问题我帮您看看哦~",
    "亲亲，您的快递到了呢😀",
    "好的呢 ^_^ 马上处理 :)",
    "ＯＫ，我不知道",
    "对不起，我不太清楚，但我可以帮您问一问。",
    "可能是信号不好，我听不清楚您说话",
    "不",
    "知道",
    "您您好",
    "谢谢您。您的订单已发出",
    "這個不歸我們管，你自己去找快遞員",
    "\u200b我\u200b不\u200b知\u200b道",
    "㎏超重了，我不知道",
    "𠀀我不知道𠀀",
]


def _sample_texts() -> list[str]:
    texts = list(HANDWRITTEN)
    for path in sorted(SAMPLES.glob("*.json")):
        texts += [t["text"] for t in json.loads(path.read_text(encoding="utf-8"))["turns"]]
    texts += [ex for rule in load_rulebook().rules for ex in rule.examples]
    texts += [p.text for p in load_prescribed()][:60]
    return texts


def _varied_batch(seed: int = 5) -> list[str]:
    """Sample texts, alone and glued together, so violations sit at both ends of replies."""
    rng = random.Random(seed)
    texts = _sample_texts()
    glued = ["".join(rng.sample(texts, rng.randint(2, 4))) for _ in range(300)]
    batch = texts + glued
    rng.shuffle(batch)
    return batch


@pytest.mark.parametrize("profile", ["generic", "oufei"])
@pytest.mark.parametrize("channel", CHANNELS)
def test_check_many_gives_exactly_what_check_gives_reply_by_reply(channel, profile):
    checker = get_checker(profile)
    batch = _varied_batch()
    results = checker.check_many(batch, channel)
    assert results == [checker.check(text, channel) for text in batch]
    # The sample is varied enough for the comparison to mean something.
    found = {v.rule_id for vs in results for v in vs}
    assert len(found) >= 10
    if channel == "chat":
        assert {"chat_qin", "chat_emoji"} <= found
    else:
        assert not any(rule_id.startswith("chat_") for rule_id in found)


def test_check_many_keeps_order_and_spans_index_each_reply():
    batch = ["您好", "我不知道啊", "祝您生活愉快", "你問我，我問誰？"]
    results = get_checker().check_many(batch, "phone")
    assert [[v.rule_id for v in vs] for vs in results] == [[], ["dont_know"], [], ["ask_me_who"]]
    for text, violations in zip(batch, results, strict=True):
        assert all(text[v.start : v.end] == v.text for v in violations)


def test_check_many_on_a_reply_holding_the_separator_itself():
    batch = ["我不知道", f"我不{BATCH_SEPARATOR}知道", "您好"]
    checker = get_checker()
    assert checker.check_many(batch) == [checker.check(text) for text in batch]
    assert [v.rule_id for v in checker.check_many(batch)[1]] == ["dont_know"]


def test_check_many_accepts_any_iterable_and_an_empty_batch():
    checker = get_checker()
    assert checker.check_many([], "chat") == []
    assert checker.check_many((t for t in ["我不知道", "您好"]), "phone") == [checker.check("我不知道"), []]


def test_check_many_refuses_an_unknown_channel_in_chinese():
    with pytest.raises(ValueError, match="未知的渠道"):
        get_checker().check_many(["您好"], "fax")


def test_clean_replies_get_separate_empty_lists():
    results = get_checker().check_many(["您好", "谢谢"])
    assert results == [[], []] and results[0] is not results[1]


def test_module_level_check_many_uses_the_profile():
    from kefu.standards.compliance import check, check_many

    texts = ["您好", "我不知道", "亲，在的哦"]
    assert check_many(texts, "chat", "oufei") == [check(t, "chat", "oufei") for t in texts]
    assert check_many(texts, "chat", "oufei")[2]
