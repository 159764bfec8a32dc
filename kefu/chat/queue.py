"""The customer's side of the queue (issue 12 3): their place, an honest expected wait, and when they may leave
a message instead of waiting.

A chat joins its brand's queue with the customer's first message (its offer). Its place is counted the way
distribution gives work (kefu.chat.distribution: priority, then the longest wait) among the brand's open offers;
the expected wait is that place at the pace places free up: the recent length of a chat over the chats the
agents on duty hold at once (rules.expected_wait). A customer may leave a message once they have waited the
brand's ``leave_message_after_seconds``, at once outside the brand's service hours (its holidays included, from
the working calendar) or while no agent of a team serving it is signed in.

The page is told after every change of a brand's queue (kefu.chat.push sends it with the boards) and on
connecting; between changes it counts down by itself.
"""

from datetime import datetime, timedelta

from django.db.models import Avg, DurationField, ExpressionWrapper, F, Sum

from kefu.accounts.models import Team
from kefu.brands.models import Brand
from kefu.brands.selectors import working_calendar
from kefu.chat import rules
from kefu.chat.distribution import TAKING
from kefu.chat.models import ChatSession, Offer
from kefu.chat.rules import AgentState
from kefu.timeutil import local_now

CLOSED, NOBODY = "closed", "nobody"  # why a brand takes no chat now


def _on_duty(brand_ids: list[int], states):
    """(brand, team, agent) rows of the agents of the teams serving these brands who are in one of ``states``."""
    return Team.brands.through.objects.filter(
        brand_id__in=brand_ids,
        team__user__is_active=True,
        team__user__status_log__ended_at__isnull=True,
        team__user__status_log__status__in=[s.value for s in states],
    )


def _signed_in(brand_ids: list[int]) -> set[int]:
    """The brands with at least one agent signed in (any status but 离线) in a team serving them."""
    signed_in = [s for s in AgentState if s != AgentState.OFFLINE]
    return set(_on_duty(brand_ids, signed_in).values_list("brand_id", flat=True))


def _pace(brand_ids: list[int], at: datetime) -> tuple[dict[int, float], dict[int, int]]:
    """Per brand: how long its chats ended in the last window lasted on average (seconds, from being taken), and
    how many chats its agents taking chats now hold at once (kefu.chat.distribution: each team's capacity)."""
    window = timedelta(seconds=int(rules.setting("queue_pace_window_seconds")))
    lasted = ExpressionWrapper(F("ended_at") - F("accepted_at"), output_field=DurationField())
    handle = {
        row["brand"]: row["mean"].total_seconds()
        for row in ChatSession.objects.filter(
            brand__in=brand_ids, ended_at__gt=at - window, accepted_at__isnull=False
        )
        .values("brand")
        .annotate(mean=Avg(lasted))
        .order_by()
        if row["mean"] is not None
    }
    slots = dict(
        _on_duty(brand_ids, TAKING)
        .values("brand_id")
        .annotate(n=Sum("team__chat_capacity"))
        .order_by()
        .values_list("brand_id", "n")
    )
    return handle, slots


def closed_reasons(brands: list[Brand], *, at: datetime) -> dict[int, str | None]:
    """Why each brand cannot take a chat now: CLOSED outside its service hours, NOBODY with no agent signed in;
    None when it can."""
    open_now = [b for b in brands if working_calendar(b).is_open(at)]
    staffed = _signed_in([b.pk for b in open_now])
    return {b.pk: None if b.pk in staffed else NOBODY if b in open_now else CLOSED for b in brands}


def closed_reason(brand: Brand, *, at: datetime | None = None) -> str | None:
    return closed_reasons([brand], at=local_now(at))[brand.pk]


def leave_from(brand: Brand, waiting_since: datetime) -> datetime:
    """When a customer waiting since ``waiting_since`` may leave a message instead (while the brand is open)."""
    return waiting_since + timedelta(seconds=brand.leave_message_after_seconds)


def may_leave(brand: Brand, waiting_since: datetime | None, *, at: datetime) -> bool:
    """Whether a customer may leave a message now: the brand takes no chat, or they have waited long enough (a
    visitor who has not said anything yet is not waiting)."""
    if closed_reason(brand, at=at) is not None:
        return True
    return waiting_since is not None and at >= leave_from(brand, waiting_since)


def for_session(session, *, at: datetime | None = None) -> tuple[dict | None, str | None]:
    """The customer's page on connecting: their place in the queue (None before their first message) and why the
    brand takes no chat now."""
    at = local_now(at)
    place = waiting([session.brand_id], at=at).get(session.pk)
    return place, place["why"] if place else closed_reason(session.brand, at=at)


def waiting(brand_ids, *, at: datetime | None = None) -> dict[int, dict]:
    """Each queued chat of these brands (by session id): its place, the expected wait in seconds (None: no pace
    to go by), from when it may leave a message, and why its brand takes no chat now (if so)."""
    at = local_now(at)
    brands = list(Brand.objects.filter(pk__in=list(brand_ids)))
    if not brands:
        return {}
    handle, slots = _pace([b.pk for b in brands], at)
    why = closed_reasons(brands, at=at)
    by_id = {b.pk: b for b in brands}
    places: dict[int, int] = {}
    result = {}
    queue = (
        Offer.objects.filter(brand__in=brands, claimed_by__isnull=True, withdrawn_at__isnull=True)
        .order_by("priority", "created_at", "id")
        .values_list("brand_id", "session_id", "created_at")
    )
    for brand_id, session_id, created_at in queue:
        place = places[brand_id] = places.get(brand_id, 0) + 1
        if session_id is None:
            continue  # a queued ticket: ahead of later chats, nobody's page to tell
        result[session_id] = {
            "position": place,
            "expected": rules.expected_wait(place, handle.get(brand_id), slots.get(brand_id, 0)),
            "leave_at": leave_from(by_id[brand_id], created_at).timestamp(),
            "why": why[brand_id],
            "now": at.timestamp(),
        }
    return result


def hours_words(brand: Brand) -> str:
    """The brand's service hours as its customers read them."""
    if brand.open_on_holidays:
        days, rest = "每天", ""
    else:
        days, rest = "工作日", "（周末及法定节假日休息）"
    if brand.service_start == brand.service_end:
        return f"{days}全天24小时{rest}"
    return f"{days}{brand.service_start:%H:%M}–{brand.service_end:%H:%M}{rest}"


def notices(brand: Brand, *, at: datetime | None = None) -> dict[str, str]:
    """What the customer's page says about the queue, from the phrasebook through the standards gate, once per
    page: the numbers ({ahead}, {wait}) are put in by the page as they change."""
    from kefu.tickets.gate import say

    at = local_now(at)

    def text(situation: str, **values: object) -> str:
        return say(situation, brand=brand, channel="chat", at=at, **values)

    return {
        "first": text("chat_queue", first="1"),
        "wait": text("chat_queue", ahead="{ahead}", wait="{wait}"),
        "place": text("chat_queue", ahead="{ahead}"),
        "busy": text("chat_leave_offer"),
        CLOSED: text("chat_out_of_hours", hours=hours_words(brand)),
        NOBODY: text("chat_nobody_on_duty"),
    }
