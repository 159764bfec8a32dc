"""The one-click rewrite replaces the clause that carries a violation and leaves correct Chinese behind."""

import re
from itertools import pairwise
from pathlib import Path

import pytest

from kefu.standards.compliance import check, get_checker
from kefu.standards.compliance.rewrite import CLAUSE_MARKS, edits, rewrite
from kefu.standards.compliance.rulebook import CHANNEL_NAMES
from kefu.standards.text import fold
from tests.standards.test_rulebook_forbidden import RULES, _ids

DOC = Path(__file__).resolve().parents[2] / "docs" / "REWRITES.md"


def _clauses(text):
    return [c for c in re.split("[" + re.escape("".join(CLAUSE_MARKS)) + "]", text) if c.strip()]


def _bigrams(text):
    return {text[i : i + 2] for i in range(len(text) - 1)}


def assert_good_rewrite(text, channel, profile):
    found = check(text, channel, profile)
    out = rewrite(text, found)
    changes = edits(text, found)
    # 1. The rewritten reply passes the checker clean.
    assert check(out, channel, profile) == [], (text, out)
    # 2. Clauses no edit touched are kept as the agent wrote them.
    untouched = [
        c
        for c in _clauses(text)
        if not any(e.start < text.index(c) + len(c) and text.index(c) < e.end for e in changes)
    ]
    for clause in untouched:
        assert clause in out, (text, out, clause)
    # 3. No leftover piece of a forbidden phrase: a pair of characters of a rewritten clause survives
    #    only when the rewrite or a kept clause brings it.
    allowed = _bigrams(fold("".join(untouched) + "".join(e.replacement for e in changes)))
    for v in found:
        if v.scope == "word":
            continue
        leftover = (_bigrams(fold(v.text)) & _bigrams(fold(out))) - allowed
        assert not leftover, (text, out, v.rule_id, leftover)
    # 4. One rewrite per clause: no clause-wide rewrite appears twice in a row.
    clause_rules = {v.rule_id for v in found if v.scope != "word"}
    replacements = [e.replacement for e in changes if clause_rules & set(e.rules)]
    assert all(a != b for a, b in pairwise(replacements)), (text, out)
    return out


@pytest.mark.parametrize("item", RULES, ids=[_ids(i) for i in RULES])
def test_every_example_and_variant_rewrites_to_clean_chinese(item):
    profile, rule = item
    channel = sorted(rule.channels)[0]
    for example in rule.examples:
        assert_good_rewrite(example, channel, profile)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你凭什么这么说", "没关系，我现在就帮您处理"),
        ("我要下班了，你明天再打来", "请您别着急，我马上帮您处理"),
        (
            "好的，你的快递明天到，你不放心，等会儿再打过来就是了。",
            "好的，您的快递明天到，请您别着急，我马上帮您处理。",
        ),
        ("亲，你的订单明天才能发~", "您好，您的订单明天才能发"),
    ],
)
def test_rewrites_the_issue_named(text, expected):
    assert rewrite(text, check(text, "chat")) == expected


def test_a_rewrite_never_leaves_a_fragment_of_the_phrase():
    out = rewrite("刚才不是我接的电话，我不知道", check("刚才不是我接的电话，我不知道"))
    assert "电话" not in out and "接的" not in out
    assert "反馈我" not in rewrite("有本事就投诉我", check("有本事就投诉我"))


def test_a_violation_from_another_text_is_refused():
    other = get_checker().check("我不知道")
    with pytest.raises(ValueError):
        rewrite("您好，我帮您查", other)


def _doc_rows():
    rows = []
    for line in DOC.read_text("utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].isdigit():
            channel = {name: code for code, name in CHANNEL_NAMES.items()}[cells[2]]
            rows.append((cells[1], channel, cells[3]))
    return rows


def test_the_documented_rewrites_are_what_kefu_offers():
    rows = _doc_rows()
    assert len(rows) >= 40
    for text, channel, expected in rows:
        assert assert_good_rewrite(text, channel, "generic") == expected, text
