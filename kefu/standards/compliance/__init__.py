"""服务忌语 checker: finds forbidden phrases in an agent's reply and offers a compliant rewrite.

    >>> from kefu.standards.compliance import check, apply_rewrite
    >>> [v.rule_id for v in check("你問我，我問誰？")]
    ['ask_me_who']

Rules are data (``rulebooks/forbidden.yaml``); see ``engine`` for how they are matched.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from kefu.standards.compliance.engine import Checker, Violation
from kefu.standards.compliance.rulebook import (
    CHANNELS,
    SEVERITIES,
    PrescribedPhrase,
    Rule,
    load_prescribed,
    load_rulebook,
)

__all__ = [
    "CHANNELS",
    "PROFILES",
    "SEVERITIES",
    "Checker",
    "PrescribedPhrase",
    "Rule",
    "Violation",
    "apply_all_rewrites",
    "apply_rewrite",
    "check",
    "check_many",
    "get_checker",
    "is_blocking",
    "load_prescribed",
    "profiles",
]

PROFILES = ("generic", "bufan", "xintianjie", "oufei", "fangbiao", "xinying")


def profiles() -> dict[str, str]:
    """Profile code → brand name (Chinese), as declared in the rulebook."""
    return {code: p.name for code, p in load_rulebook().profiles.items()}


@cache
def get_checker(profile: str = "generic") -> Checker:
    """The compiled checker of a brand profile (built once, then cached)."""
    return Checker(load_rulebook(), profile)


def check(text: str, channel: str = "phone", profile: str = "generic") -> list[Violation]:
    """Every violation in ``text`` (spans index ``text`` itself), sorted by start."""
    return get_checker(profile).check(text, channel)


def check_many(
    texts: Iterable[str], channel: str = "phone", profile: str = "generic"
) -> list[list[Violation]]:
    """``[check(t, channel, profile) for t in texts]`` in one batch (see ``Checker.check_many``)."""
    return get_checker(profile).check_many(texts, channel)


def apply_rewrite(text: str, violation: Violation) -> str:
    """The one-click compliant rewrite: the violation's span replaced by its suggestion."""
    if text[violation.start : violation.end] != violation.text:
        raise ValueError("该违规项不属于这段文本，无法替换")
    return text[: violation.start] + violation.rewrite + text[violation.end :]


def apply_all_rewrites(text: str, violations: Iterable[Violation]) -> str:
    """Applies every non-overlapping rewrite, right to left so earlier spans stay valid."""
    out = text
    last_start = len(text) + 1
    for v in sorted(violations, key=lambda v: v.start, reverse=True):
        if v.end <= last_start:
            out = apply_rewrite(out, v)
            last_start = v.start
    return out


def is_blocking(violations: Iterable[Violation]) -> bool:
    """True when a reply may not be sent without a supervisor-visible override (a severe one)."""
    return any(v.severity == "severe" for v in violations)
