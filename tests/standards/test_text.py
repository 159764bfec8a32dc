"""Normalisation: what the checker sees, and spans mapped back onto what the agent typed."""

import random

import pytest

from kefu.standards.text import Normalizer, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("你到底有沒有聽我講", "你到底有没有听我讲"),  # traditional → simplified
        ("ＡＢＣ１２３，不知道！", "abc123不知道"),  # full-width → half-width, lower case
        ("不 知 道", "不知道"),  # inserted spaces
        ("不…知道", "不知道"),  # inserted punctuation
        ("不😀知道", "不知道"),  # emoji
        ("不\u200b知\u200d道\ufe0f", "不知道"),  # zero-width characters, variation selector
        ("不不不知道", "不知道"),  # repeated characters
        ("我忙著呢", "我忙着呢"),  # 著 as the seeds write 着
        ("妳好", "你好"),
    ],
)
def test_it_folds_everyday_variants(raw, expected):
    assert normalize(raw).text == expected


def test_spans_map_back_over_traditional_chars_and_removed_noise():
    raw = "喂，我 不😀知 道啦"
    n = normalize(raw)
    i = n.text.index("不知道")
    start, end = n.span_to_original(i, i + 3)
    assert raw[start:end] == "不😀知 道"


def test_a_collapsed_run_maps_back_to_the_whole_run():
    raw = "我不不不知道"
    n = normalize(raw)
    assert n.text == "我不知道"
    assert raw[slice(*n.span_to_original(1, 4))] == "不不不知道"


def test_out_of_range_span_is_refused_in_chinese():
    with pytest.raises(ValueError, match="区间越界"):
        normalize("您好").span_to_original(0, 5)


def test_offsets_agree_with_the_fast_path_on_random_text():
    rng = random.Random(3)
    alphabet = "不知道您你好啊😀～ＡaB，著①ⅲiI谢谢 \u200b聽"
    for normalizer in (Normalizer(), Normalizer(collapse="不知谢")):
        for _ in range(500):
            raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
            n = normalizer.normalize(raw)
            spans = n.offsets()
            assert len(spans) == len(n.text)
            # Each span, normalised on its own, yields the normalised character(s) it produced.
            distinct = [span for k, span in enumerate(spans) if k == 0 or span != spans[k - 1]]
            rebuilt = normalizer.fold_collapse("".join(raw[s:e] for s, e in distinct))
            assert rebuilt == n.text
            assert all(0 <= s < e <= len(raw) for s, e in spans)
            assert [s for s, _ in spans] == sorted(s for s, _ in spans)
