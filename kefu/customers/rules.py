"""Pure customer rules. No Django here."""

import re

from kefu import typed

_DIGITS = re.compile(r"\D")
_PHONE_AS_TYPED = re.compile(r"\+?[\d\s\-()]+")


def normalize_phone(phone: str) -> str:
    """Digits only, without a +86/0086 country prefix: the form phones are stored and matched in."""
    digits = _DIGITS.sub("", typed.width(phone))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix) :]
    return digits


def typed_phone(q: str, *, min_digits: int) -> str:
    """The phone number in a search box's text (spaces, dashes, brackets, +86 and full-width digits allowed),
    or '' when the text does not read as one: fewer than ``min_digits`` digits, or anything else in it (an
    address or a waybill number holds digits too)."""
    if not _PHONE_AS_TYPED.fullmatch(typed.width(q)):
        return ""
    phone = normalize_phone(q)
    return phone if len(phone) >= min_digits else ""


def mask_phone(phone: str) -> str:
    """138****1234: agents see numbers masked unless their role allows (DESIGN: privacy)."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
