"""Text normalisation for matching Chinese service language, with offsets back to the original.

The seeds mix traditional and simplified characters (``seeds/002_*.txt`` and ``003_*.txt``), agents
type full-width and half-width forms, and people dodge filters with spaces, punctuation, emoji and
repeated characters (不 知 道, 不😀知道, 不不知道).  :class:`Normalizer` folds all of that into one
canonical string:

1. per character, one table lookup (``str.translate`` over a list indexed by code point, C-level):
   NFKC (full-width → half-width, compatibility ideographs), traditional → simplified (OpenCC
   ``t2s``, applied character by character so offsets stay 1:1), a few extra folds OpenCC leaves
   alone (著→着 as the seeds write 忙著呢, 妳→你), lower case, and deletion of noise: whitespace,
   punctuation, symbols (emoji, ~), control/format characters (zero-width joiners) and marks
   (emoji variation selectors);
2. one regex pass collapsing runs of the same character (你你你 → 你).  The checker restricts the
   collapse to the characters its patterns use, which keeps the pass fast; patterns are normalised
   the same way, so legitimate doubles (谢谢, 问问) still match.

The offset map is built lazily, only when a caller needs a span in the original text: the hot path
never runs a Python-level loop per character.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from itertools import compress

# Code points covered by the translate table.  Everything below U+20000 (all of the BMP plus the
# emoji and symbol planes) is mapped explicitly; rarer code points (CJK extension B and later) are
# kept unchanged, both on the fast path and in the offset map.
TABLE_SIZE = 0x20000

# Folds OpenCC t2s does not make at the character level but the seeds need: 003 writes 着 as 著
# (忙著呢, 聽著呢); Taiwanese usage writes the feminine 妳 for 你.
EXTRA_FOLDS = {"著": "着", "妳": "你", "祢": "你"}

_NOISE_CATEGORIES = ("P", "S", "Z", "C", "M")

# Ranges that hold traditional characters OpenCC converts.
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))


def _t2s_table() -> dict[str, str]:
    import opencc

    chars = [chr(cp) for lo, hi in _CJK_RANGES for cp in range(lo, hi + 1)]
    # One conversion call with a newline between characters: OpenCC has no phrase spanning "\n",
    # so every character is converted on its own.
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # pragma: no cover - depends on OpenCC data
        converted = [opencc.OpenCC("t2s").convert(ch) for ch in chars]
    return {src: dst for src, dst in zip(chars, converted, strict=True) if src != dst}


def _fold_char(ch: str, t2s: dict[str, str]) -> str:
    """The normalised form of one character ('' when it is noise)."""
    out = []
    for c in unicodedata.normalize("NFKC", ch):
        c = EXTRA_FOLDS.get(c, c)
        c = t2s.get(c, c)
        c = EXTRA_FOLDS.get(c, c)
        for lc in c.lower():
            if unicodedata.category(lc)[0] in _NOISE_CATEGORIES:
                continue
            out.append(lc)
    return "".join(out)


@cache
def translate_table() -> list[int | str | None]:
    """The per-code-point table for ``str.translate`` (built once, about 0.2 s)."""
    t2s = _t2s_table()
    table: list[int | str | None] = list(range(TABLE_SIZE))
    for cp in range(TABLE_SIZE):
        ch = chr(cp)
        if cp < 0x80:
            # ASCII: letters are lowered, digits kept, everything else is noise.
            if ch.isalnum():
                table[cp] = ord(ch.lower())
            else:
                table[cp] = None
            continue
        folded = _fold_char(ch, t2s)
        if folded == ch:
            continue
        if folded == "":
            table[cp] = None
        elif len(folded) == 1:
            table[cp] = ord(folded)
        else:
            table[cp] = folded
    return table


@cache
def mask_table() -> list[int]:
    """Per code point: 0 when normalisation drops it, 1 when it stays one character, 2 when it
    expands to several (used to map spans back without a Python-level loop)."""
    return [
        0 if out is None else 1 if isinstance(out, int) or len(out) == 1 else 2 for out in translate_table()
    ]


def fold(text: str) -> str:
    """Step 1 only (no run collapsing): width, script, case and noise folded."""
    return text.translate(translate_table())


@dataclass(frozen=True)
class Normalized:
    """A normalised string that can map its spans back onto the original text."""

    original: str
    text: str
    normalizer: Normalizer = field(repr=False, compare=False)

    def offsets(self) -> list[tuple[int, int]]:
        """For each normalised character, the [start, end) span it came from in the original."""
        return self.normalizer.offsets(self.original)

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalised span [start, end) to the original text (noise inside is included)."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"区间越界：[{start}, {end})，规范化文本长度 {len(self.text)}")
        spans = self.offsets()
        return spans[start][0], spans[end - 1][1]


class Normalizer:
    """Normalises text for matching; ``collapse`` limits run-collapsing to the given characters.

    ``collapse=None`` collapses runs of any character.  A checker passes the alphabet of its
    patterns: runs of other characters cannot change whether a pattern matches.
    """

    def __init__(self, collapse: str | None = None) -> None:
        self.table = translate_table()
        if collapse is None:
            self.collapse_chars: frozenset[str] | None = None
            self._runs = re.compile(r"(.)\1+", re.DOTALL)
        else:
            self.collapse_chars = frozenset(collapse)
            chars = "".join(sorted(self.collapse_chars)) or "\x00"
            self._runs = re.compile("([" + re.escape(chars) + r"])\1+")

    def collapse(self, folded: str) -> str:
        """Step 2 on already folded text: runs of one (collapsible) character become one."""
        return self._runs.sub(r"\1", folded)

    def fold_collapse(self, text: str) -> str:
        """The normalised string only (two C-level passes)."""
        return self._runs.sub(r"\1", text.translate(self.table))

    def normalize(self, text: str) -> Normalized:
        return Normalized(text, self.fold_collapse(text), self)

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """For each normalised character, the [start, end) span of the original it came from."""
        starts, ends = self.span_bounds(text)
        if ends is None:
            return [(i, i + 1) for i in starts]
        return list(zip(starts, ends, strict=True))

    def span_bounds(self, text: str, norm: str | None = None) -> tuple[list[int], list[int] | None]:
        """``offsets`` as two lists (starts, ends); ``norm`` may pass ``fold_collapse(text)``.

        ``ends`` is None when every span is one character long (``end = start + 1``): the common
        case, where characters were only dropped (nothing expanded, no run collapsed).  It runs at
        C level: a second ``translate`` marks every character as dropped (0), kept (1) or expanded
        (2), and ``itertools.compress`` lists the kept positions.
        """
        mask = text.translate(mask_table())
        try:
            marks = mask.encode("latin-1")
        except UnicodeEncodeError:  # a code point beyond the table (kept unchanged): replay
            marks = b"\x02"
        if b"\x02" not in marks:
            kept = list(compress(range(len(text)), marks))
            if norm is None:
                norm = self.fold_collapse(text)
            if len(norm) == len(kept):
                return kept, None
        # Otherwise replay the normalisation one character at a time.
        table = self.table
        size = len(table)
        collapse = self.collapse_chars
        starts: list[int] = []
        ends: list[int] = []
        last = ""
        for i, ch in enumerate(text):
            cp = ord(ch)
            mapped = table[cp] if cp < size else cp
            if mapped is None:
                continue
            out = chr(mapped) if isinstance(mapped, int) else mapped
            for oc in out:
                if oc == last and (collapse is None or oc in collapse):
                    ends[-1] = i + 1
                    continue
                starts.append(i)
                ends.append(i + 1)
                last = oc
        return starts, ends


@cache
def default_normalizer() -> Normalizer:
    return Normalizer()


def normalize(text: str) -> Normalized:
    """Normalise ``text`` for matching (繁→简, 全角→半角, lower case, noise dropped, runs collapsed)."""
    return default_normalizer().normalize(text)
