"""服务忌语 checker: finds forbidden phrases in an agent's reply and offers a compliant rewrite.

    >>> from kefu.standards.compliance import check, rewrite
    >>> [v.rule_id for v in check("你問我，我問誰？")]
    ['ask_me_who']
    >>> rewrite("好的，你问我，我问谁？", check("好的，你问我，我问谁？"))
    '好的，这个问题我帮您核实一下。'

Rules are data (``rulebooks/forbidden.yaml``); see ``engine`` for how they are matched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from kefu.standards.compliance import intent
from kefu.standards.compliance.engine import Checker, Violation
from kefu.standards.compliance.rewrite import rewrite, suggestions
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
    "assess",
    "check",
    "check_many",
    "get_checker",
    "is_blocking",
    "load_prescribed",
    "profiles",
    "report",
    "rewrite",
    "rule_trial",
    "suggestions",
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


def assess(
    text: str, channel: str = "phone", profile: str = "generic", *, checker: Checker | None = None
) -> list[Violation]:
    """What the gate asks before a text is sent: the patterns' violations (``check``) plus the intent layer's
    uncertain ones (``intent``) where the patterns saw nothing; sorted by start. ``checker``: a brand's own
    (its rulebook with the brand's overrides) instead of the profile's."""
    checker = checker or get_checker(profile)
    found = checker.check(text, channel)
    return sorted([*found, *intent.find(text, found, checker.rules, channel)], key=lambda v: (v.start, v.end))


def rule_trial(checker: Checker, rule_id: str) -> list[str]:
    """What is wrong with rule ``rule_id`` of ``checker``'s rulebook, in Chinese: an example it does not flag,
    a counter-example it flags (on any of the rule's channels). Empty: the rule does what its examples say."""
    rule = next(r for r in checker.rules if r.id == rule_id)
    channels = sorted(rule.channels)

    def flags(sentence: str) -> bool:
        return any(v.rule_id == rule_id for c in channels for v in checker.check(sentence, c))

    return [f"例句“{s}”没有被识别出来" for s in rule.examples if not flags(s)] + [
        f"反例“{s}”被误判为忌语" for s in rule.counter_examples if flags(s)
    ]


def check_many(
    texts: Iterable[str], channel: str = "phone", profile: str = "generic"
) -> list[list[Violation]]:
    """``[check(t, channel, profile) for t in texts]`` in one batch (see ``Checker.check_many``)."""
    return get_checker(profile).check_many(texts, channel)


def report(text: str, violations: Sequence[Violation]) -> dict[str, object]:
    """What a client is told of a checked text: each violation with the edit of its one-click rewrite,
    whether the text may not be sent as it is, and the whole text rewritten."""
    return {
        "violations": suggestions(text, violations),
        "blocking": is_blocking(violations),
        "rewritten": rewrite(text, violations),
    }


def is_blocking(violations: Iterable[Violation]) -> bool:
    """True when a reply may not be sent without a supervisor-visible override: a severe violation a pattern
    found (the intent layer's uncertain flags are warnings, never refusals)."""
    return any(v.severity == "severe" and not v.uncertain for v in violations)
