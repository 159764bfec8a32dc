"""Attendance and occupancy of one agent on one day, from the status log (pure: no Django here).

000 日常规 1 出勤: no coming late or leaving early; 3.6: leaving the seat means the 小休 status. The day's
figures are the status periods clipped to the day: time signed in (every status but 离线), time per
status, breaks, and occupancy = (通话中 + 话后处理) / (就绪 + 通话中 + 话后处理), the share of available
time spent on customers (已签入, the preparing before 就绪, is signed-in time but not available time). Late and early are measured against the shift (the brand's service hours).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from kefu.chat.rules import AgentState

WORKING = (AgentState.READY, AgentState.BUSY, AgentState.WRAP_UP)
ON_CUSTOMERS = (AgentState.BUSY, AgentState.WRAP_UP)


@dataclass(frozen=True)
class Period:
    status: str
    start: datetime
    end: datetime | None  # None: still in this status


@dataclass
class DaySummary:
    first_in: datetime | None = None
    last_out: datetime | None = None  # None while still signed in, or never signed in
    still_in: bool = False
    seconds: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in AgentState})
    breaks: int = 0
    late_minutes: int = 0
    early_minutes: int = 0

    @property
    def signed_in_seconds(self) -> int:
        return sum(v for k, v in self.seconds.items() if k != AgentState.OFFLINE)

    @property
    def occupancy(self) -> float | None:
        """Share of available time spent on customers; None without any available time."""
        available = sum(self.seconds[s.value] for s in WORKING)
        return sum(self.seconds[s.value] for s in ON_CUSTOMERS) / available if available else None


def summarize(
    periods: Iterable[Period], *, day_start: datetime, now: datetime, shift: tuple[time, time] | None = None
) -> DaySummary:
    """The agent's day [day_start, day_start + 1 day), counting open periods up to `now`."""
    day_end = day_start + timedelta(days=1)
    summary = DaySummary()
    for period in sorted(periods, key=lambda p: p.start):
        end = period.end or now
        start, stop = max(period.start, day_start), min(end, day_end)
        if stop <= start or period.status == AgentState.OFFLINE:
            if period.status == AgentState.OFFLINE and day_start <= period.start < day_end:
                summary.last_out = period.start
            continue
        summary.seconds[period.status] += int((stop - start).total_seconds())
        if summary.first_in is None:
            summary.first_in = period.start  # may be the evening before, for a shift over midnight
        if period.status == AgentState.BREAK and period.start >= day_start:
            summary.breaks += 1
        summary.still_in = period.end is None
    if summary.still_in:
        summary.last_out = None
    if shift and summary.first_in:
        shift_start = datetime.combine(day_start.date(), shift[0], tzinfo=day_start.tzinfo)
        shift_end = datetime.combine(day_start.date(), shift[1], tzinfo=day_start.tzinfo)
        if summary.first_in > shift_start:
            summary.late_minutes = int((summary.first_in - shift_start).total_seconds() // 60)
        if summary.last_out is not None and shift_start <= summary.last_out < shift_end:
            summary.early_minutes = int((shift_end - summary.last_out).total_seconds() // 60)
    return summary
