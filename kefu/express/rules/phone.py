"""Contact phone numbers: a mainland mobile (1[3-9] and 9 digits) or a landline with its area code.

Landlines are checked against China's numbering plan by `phonenumbers` (the area code must exist and the
number have its length); the patterns and examples are the `tariff` rulebook's `phone` section.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

from .money import InputError
from .rulebook import Rulebook, default_rulebook

_SEPARATORS = re.compile(r"[\s\-－—()（）.]+")
_EXTENSION = re.compile(r"^(?P<main>\+?\d+)(?:(?:转|ext\.?|x|#)(?P<ext>\d{1,6}))?$", re.IGNORECASE)
_LANDLINE = (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def check_phone(text: str, field: str = "phone", rulebook: Rulebook | None = None) -> str:
    """The number as digits (0591 85550001 → 059185550001, +86 dropped, 转 extension kept), or InputError."""
    conf = (rulebook or default_rulebook()).tariff["phone"]
    typed = unicodedata.normalize("NFKC", text or "").strip()
    hint = f"手机号为 11 位，如 {conf['example_mobile']}；固定电话请带区号，如 {conf['example_landline']}"
    if not typed:
        raise InputError("请填写联系电话", field)
    match = _EXTENSION.match(_SEPARATORS.sub("", typed))
    if match is None:
        raise InputError(f"电话号码只能包含数字：{typed}（{hint}）", field)
    digits, extension = match.group("main"), match.group("ext")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if re.fullmatch(str(conf["mobile"]), digits):
        if extension:
            raise InputError(f"手机号没有分机号：{typed}", field)
        return digits
    if digits.startswith("0") and _valid_landline(digits):
        return f"{digits}转{extension}" if extension else digits
    if len(digits) in (7, 8) and not digits.startswith("0"):
        raise InputError(f"固定电话请加区号：{typed}（如 {conf['example_landline']}）", field)
    raise InputError(f"不是有效的电话号码：{typed}（{hint}）", field)


def _valid_landline(digits: str) -> bool:
    try:
        number = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in _LANDLINE
