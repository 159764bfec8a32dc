"""The one-click rewrite: a violation's clause is replaced by the rule's compliant sentence.

Replacing only the matched span leaves broken Chinese (你凭什么这么说 → 您没关系，我现在就帮您处理这么说), so a
rule's rewrite replaces the whole clause that carries the violation — the text between two clause marks
(，。！？；、… and line breaks) — and keeps every other clause as the agent wrote it. Two violations in one
clause give one rewrite (the stronger rule's); neighbouring clauses rewritten to the same sentence give it
once (我要下班了，你明天再打来 → 请您别着急，我马上帮您处理). Rules whose rewrite is a word for a word (你 → 您,
喂 → 您好, a chat particle deleted) have `scope: word` in the rulebook and replace only their span.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kefu.standards.compliance.engine import SEVERITY_RANK, Violation

CLAUSE_MARKS = frozenset("，,。.！!？?；;、…~～\n")
_FINAL = "。！？!?"
_PUNCT = "，,。.！!？?；;、"
_DOUBLED = re.compile(f"([{_PUNCT}])[{_PUNCT}]+")


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` with ``replacement``; ``rules`` are the violations it settles."""

    start: int
    end: int
    replacement: str
    rules: tuple[str, ...]


def clauses(text: str) -> list[tuple[int, int]]:
    """The (start, end) of every clause of ``text`` that holds more than spaces, marks excluded."""
    out, start = [], 0
    for end in [*(i for i, ch in enumerate(text) if ch in CLAUSE_MARKS), len(text)]:
        if text[start:end].strip():
            out.append((start, end))
        start = end + 1
    return out


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause bounds around [start, end): from after the previous mark to before the next one."""
    while start > 0 and text[start - 1] not in CLAUSE_MARKS:
        start -= 1
    while end < len(text) and text[end] not in CLAUSE_MARKS:
        end += 1
    return start, end


def _strength(v: Violation) -> tuple[int, int]:
    return SEVERITY_RANK[v.severity], v.end - v.start


def _adjacent(text: str, left_end: int, right_start: int) -> bool:
    return all(ch in CLAUSE_MARKS or ch.isspace() for ch in text[left_end:right_start])


def edits(text: str, violations: Sequence[Violation]) -> list[Edit]:
    """The edits that make ``text`` compliant, left to right and never overlapping."""
    spans: list[tuple[int, int, Violation]] = []
    for v in violations:
        if text[v.start : v.end] != v.text:
            raise ValueError("该违规项不属于这段文本，无法替换")
        start, end = (v.start, v.end) if v.scope == "word" else _clause(text, v.start, v.end)
        spans.append((start, end, v))
    spans.sort(key=lambda s: (s[0], -s[1]))
    # Groups of overlapping spans: [start, end, violations].
    groups: list[list] = []
    for start, end, v in spans:
        if groups and start < groups[-1][1]:
            groups[-1][1] = max(groups[-1][1], end)
            groups[-1][2].append(v)
        else:
            groups.append([start, end, [v]])
    # Neighbouring clauses rewritten for the same fault (one category) are rewritten once.
    merged: list[list] = []
    for group in groups:
        prev = merged[-1] if merged else None
        if prev is not None and _adjacent(text, prev[1], group[0]):
            clause_prev = {v.category_code for v in prev[2] if v.scope != "word"}
            clause_here = {v.category_code for v in group[2] if v.scope != "word"}
            if clause_prev & clause_here or (
                not clause_prev and _greets(prev[2]) and (clause_here or _greets(group[2]))
            ):
                prev[1] = group[1]
                prev[2].extend(group[2])
                continue
        merged.append(group)
    out: list[Edit] = []
    for start, end, found in merged:
        clause_wide = [v for v in found if v.scope != "word"]
        if clause_wide:
            replacement = max(clause_wide, key=_strength).rewrite
        else:  # word fixes only: each replaces its own span
            replacement, pos = "", start
            for v in sorted(found, key=lambda v: v.start):
                if v.start >= pos:
                    between = text[pos : v.start]
                    # 喂喂喂 → one 您好, not three.
                    repeated = replacement.endswith(v.rewrite) and _adjacent(text, pos, v.start)
                    replacement += "" if repeated else between + v.rewrite
                    pos = v.end
            replacement += text[pos:end]
        out.append(Edit(start, end, replacement, tuple(v.rule_id for v in found)))
    return out


def _greets(found: list[Violation]) -> bool:
    """A clause that is only a word fix (喂 → 您好) before a rewritten clause: the rewrite greets already."""
    return all(v.rule_id == "wei" for v in found)


def _tidy(text: str) -> str:
    """Punctuation left over by edits: no mark at the start, one mark where two meet."""
    text = _DOUBLED.sub(lambda m: _stronger(m.group(0)), text)
    return text.lstrip(_PUNCT + " ")


def _stronger(marks: str) -> str:
    """Of marks that met (好吗？，), the one a reader needs: a question or sentence end wins over a comma."""
    finals = [ch for ch in marks if ch in _FINAL]
    return finals[0] if finals else marks[0]


def _replacement(text: str, edit: Edit) -> str:
    following = text[edit.end : edit.end + 1]
    if following in ("？", "?") and not edit.replacement.endswith(("？", "?")):
        # The agent's question mark after a rewritten statement would turn it into a question.
        return edit.replacement + "。"
    return edit.replacement


def apply_edits(text: str, found: Iterable[Edit]) -> str:
    out, pos = [], 0
    for edit in found:
        out += [text[pos : edit.start], _replacement(text, edit)]
        pos = edit.end
    out.append(text[pos:])
    return _tidy("".join(out))


def rewrite(text: str, violations: Sequence[Violation]) -> str:
    """``text`` with every violation rewritten (see the module docstring)."""
    return apply_edits(text, edits(text, violations))


def suggestions(text: str, violations: Sequence[Violation]) -> list[dict[str, object]]:
    """Each violation as a dict, with the edit its one-click rewrite makes: text[fix_start:fix_end] → fix_text."""
    found = edits(text, violations)
    out = []
    for v in violations:
        edit = next(e for e in found if e.start <= v.start and v.end <= e.end)
        out.append(
            {
                **v.to_dict(),
                "fix_start": edit.start,
                "fix_end": edit.end,
                "fix_text": _replacement(text, edit),
            }
        )
    return out
