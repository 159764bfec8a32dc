"""The standards gate (DESIGN.md, "what kefu says to a customer"): a text for a customer is checked here
against the brand's 服务忌语 before it is stored or sent, whichever page, API call, socket or job sends it.

A severe violation is refused unless the agent gives a reason, which goes into the ticket history where the
supervisor sees it; lesser ones pass and come back as warnings with their rewrite. kefu's own texts (no
agent) cannot be forced through: one that fails is a defect in its phrase.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from kefu.brands.selectors import script_context
from kefu.errors import Conflict
from kefu.rules.selectors import brand_checker
from kefu.standards import compliance, scripts

if TYPE_CHECKING:
    from kefu.accounts.models import User
    from kefu.brands.models import Brand

# The checker knows spoken (phone), chat and written (email) replies; a ticket's other channels are one of them.
CHECKER_CHANNEL = {
    "phone": "phone",
    "outbound": "phone",
    "walk_in": "phone",  # said face to face
    "chat": "chat",
    "email": "email",
    "web_form": "email",
}


def _severe(violations: list[compliance.Violation]) -> str:
    """The severe phrases as people read them: “有本事就投诉”（斗气）、…"""
    return "、".join(f"“{v.text}”（{v.category}）" for v in violations if v.severity == "severe")


class Refused(Conflict):
    """A reply with a severe violation; the answer lists every violation (span, category, message, rewrite)."""

    def __init__(self, body: str, violations: list[compliance.Violation], *, system: bool = False):
        found = _severe(violations)
        super().__init__(
            f"系统文本含严重服务忌语{found}，不能发送"
            if system
            else f"回复含严重服务忌语{found}，不能发送；请改用规范用语，或填写理由后强制发送（主管可见）",
            code="severe_violation",
            field="body",
        )
        self.body, self.violations = body, violations

    def to_dict(self) -> dict:
        """The error, each violation with the edit of its one-click rewrite, and the whole reply rewritten."""
        return {**super().to_dict(), **compliance.report(self.body, self.violations)}


@dataclass(frozen=True)
class Checked:
    """What the checker found in a text that may be sent."""

    violations: list[compliance.Violation]
    override_reason: str = ""  # set only when a severe violation is sent anyway

    def record(self) -> dict:
        """What the reply's ticket event keeps of the check."""
        found = {"violations": [v.to_dict() for v in self.violations]} if self.violations else {}
        return {**found, "override_reason": self.override_reason} if self.override_reason else found

    def override_note(self) -> str:
        """The history line a supervisor reads when an agent sent a severe violation anyway."""
        return f"越过严重忌语提示发送：{_severe(self.violations)}。理由：{self.override_reason}"


def gate_check(
    *, body: str, brand: Brand, channel: str, actor: User | None, override_reason: str = ""
) -> Checked:
    """Check `body` for `brand`'s profile on `channel` (a ticket channel); raise Refused when it may not go out."""
    violations = compliance.assess(body, CHECKER_CHANNEL.get(channel, "phone"), checker=brand_checker(brand))
    if not compliance.is_blocking(violations):
        return Checked(violations)
    reason = override_reason.strip()[:200]
    if actor is None or not reason:
        raise Refused(body, violations, system=actor is None)
    return Checked(violations, reason)


def said_time(moment: datetime) -> str:
    """A promised time as a sentence says it: 12月4日 18:00 (Beijing time)."""
    return timezone.localtime(moment).strftime("%-m月%-d日 %H:%M")


def say(
    situation: str,
    *,
    brand: Brand,
    channel: str,
    at: datetime,
    agent_no: str | None = None,
    customer: str | None = None,
    **values: object,
) -> str:
    """What kefu itself says to a customer: the phrasebook's sentence for `situation`, rendered for the brand,
    channel and moment (holiday greetings included), and checked by the gate like any reply."""
    context = script_context(
        brand,
        at=at,
        channel=CHECKER_CHANNEL.get(channel, "phone"),
        agent_no=agent_no,
        customer=customer,
        extra=dict(values),
    )
    text = scripts.render(situation, context)
    gate_check(body=text, brand=brand, channel=channel, actor=None)
    return text
