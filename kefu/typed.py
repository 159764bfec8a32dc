"""What people type into a search box, in the forms kefu stores. Pure: no Django here.

Agents paste numbers with spaces and dashes (157 2511 7525, 157-2511-7525), type full-width digits from a
Chinese input method (１５７２５１１７５２５), add +86, copy waybill numbers in lower case with a space in the middle,
and write names in traditional characters (陳志強 for 陈志强). Every search folds what was typed with these
functions before it looks anything up, so that the same record is found everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_SPACES = re.compile(r"[\s\u200b\u200c\u200d\ufeff]+")


@lru_cache(maxsize=2)
def _opencc(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def t2s() -> Any:
    """OpenCC's traditional → simplified converter, made once per process."""
    return _opencc("t2s")


def width(text: str) -> str:
    """Half-width (NFKC: full-width digits and letters become ASCII), trimmed, inner spaces as one."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text or "")).strip()


def simplified(text: str) -> str:
    """Traditional characters as simplified (陳志強 → 陈志强), half-width."""
    return str(t2s().convert(width(text)))


def name_forms(text: str) -> list[str]:
    """The forms a typed name is looked up in: as typed (half-width), in simplified and in traditional
    characters, since a record keeps the characters it was entered with (陳志強 finds 陈志强 and back)."""
    typed = width(text)
    forms = [typed, simplified(typed), str(_opencc("s2t").convert(typed))]
    return [f for i, f in enumerate(forms) if f and f not in forms[:i]]


def code(text: str) -> str:
    """A number or code as stored: half-width, upper case, no spaces (yt 1234 5678 → YT12345678)."""
    return _SPACES.sub("", width(text)).upper()
