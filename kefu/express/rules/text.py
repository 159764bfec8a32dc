"""Text normalisation shared by the express rules.

Input arrives from phones, chat and forms: full-width digits, traditional
characters, stray spaces. Everything is folded with NFKC (full-width → half-width)
and OpenCC t2s (traditional → simplified) before any rule looks at it.
"""

from __future__ import annotations

from kefu import typed


def fold(text: str) -> str:
    """NFKC + traditional→simplified + lower case, whitespace removed."""
    return typed.simplified(text).replace(" ", "").lower()


# Administrative suffixes dropped so that 广东省/广东, 广州市/广州, 墨脱县/墨脱 compare equal.
_PLACE_SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "自治州",
    "地区",
    "省",
    "市",
    "盟",
    "县",
    "区",
    "旗",
)


def place_key(name: str | None) -> str:
    """Canonical key of a place name: folded, administrative suffix removed."""
    if not name:
        return ""
    key = fold(name)
    for suffix in _PLACE_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            return key[: -len(suffix)]
    return key


def same_place(a: str, b: str) -> bool:
    """Place names match when their keys are equal or one is a prefix of the other (甘孜藏族 / 甘孜)."""
    ka, kb = place_key(a), place_key(b)
    if not ka or not kb:
        return False
    short, long_ = sorted((ka, kb), key=len)
    return ka == kb or (len(short) >= 2 and long_.startswith(short))
