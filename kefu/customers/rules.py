"""Pure customer rules. No Django here."""

import re

_DIGITS = re.compile(r"\D")


def normalize_phone(phone: str) -> str:
    """Digits only, without a +86/0086 country prefix: the form phones are stored and matched in."""
    digits = _DIGITS.sub("", phone or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix) :]
    return digits


def mask_phone(phone: str) -> str:
    """138****1234: agents see numbers masked unless their role allows (DESIGN: privacy)."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
