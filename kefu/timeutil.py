"""The one clock kefu reads: aware Asia/Shanghai datetimes, which tests, the demo and a test server can set.

Pure Python (no Django), so the manuals in `kefu.standards` read the same clock as the services.

    KEFU_NOW="2026-12-31 23:30"   the clock reads this moment, then runs on from there
    KEFU_NOW_SINCE=<Unix time>    when it read KEFU_NOW (default: the first read); exported on the first
                                  read, so `kefu serve` and `kefu demo-data` started from this process
                                  share one clock with it

Unset, the clock is the wall clock. Services take `at=`; code without one calls `local_now()`.
"""

from __future__ import annotations

import os
import time as _time
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class ClockError(ValueError):
    """KEFU_NOW (or a test's clock) is not a moment kefu can read."""


def parse_moment(text: str) -> datetime:
    """'2026-12-01 09:00', '2026-12-01T09:00:00+08:00' or '2026-12-01' as an aware datetime (Shanghai if naive)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ClockError(f"无法识别的时间“{text}”，请用 2026-12-01 09:00 这样的格式") from None
    return moment.replace(tzinfo=SHANGHAI) if moment.tzinfo is None else moment.astimezone(SHANGHAI)


class _Clock:
    """Wall time shifted so that it read `origin` at Unix time `since` (no shift when origin is None)."""

    def __init__(self) -> None:
        self.origin: datetime | None = None
        self.since = 0.0
        self.loaded = False

    def load(self) -> _Clock:
        text = os.environ.get("KEFU_NOW", "").strip()
        self.origin = parse_moment(text) if text else None
        if self.origin is not None:
            since = os.environ.get("KEFU_NOW_SINCE", "").strip()
            try:
                self.since = float(since) if since else _time.time()
            except ValueError:
                raise ClockError(f"KEFU_NOW_SINCE 应为 Unix 时间（秒），而不是“{since}”") from None
            os.environ["KEFU_NOW_SINCE"] = repr(self.since)
        self.loaded = True
        return self

    def loaded_clock(self) -> _Clock:
        return self if self.loaded else self.load()

    def read(self) -> datetime:
        origin, wall = self.loaded_clock().origin, _time.time()  # one wall-time source for both cases
        if origin is None:
            return datetime.fromtimestamp(wall, SHANGHAI)
        return origin + timedelta(seconds=wall - self.since)


_clock = _Clock()


def now() -> datetime:
    """The current moment on kefu's clock, in Asia/Shanghai."""
    return _clock.read()


def local_now(at: datetime | None = None) -> datetime:
    """`at` (or now) as an aware Asia/Shanghai datetime; every service takes an optional `at` for replays and tests."""
    if at is None:
        return now()
    return at.replace(tzinfo=SHANGHAI) if at.tzinfo is None else at.astimezone(SHANGHAI)


def set_clock(moment: datetime | str | None) -> None:
    """Make the clock read `moment` now and run on (None: the wall clock), here and in processes started
    from here. For tests, the demo and test servers; production leaves KEFU_NOW unset."""
    if moment is None:
        os.environ.pop("KEFU_NOW", None)
        os.environ.pop("KEFU_NOW_SINCE", None)
    else:
        moment = parse_moment(moment) if isinstance(moment, str) else local_now(moment)
        os.environ["KEFU_NOW"] = moment.isoformat()
        os.environ["KEFU_NOW_SINCE"] = repr(_time.time())
    _clock.load()


def clock_setting() -> str | None:
    """The moment KEFU_NOW set the clock to, for the server's log; None on the wall clock."""
    origin = _clock.loaded_clock().origin
    return origin.isoformat() if origin else None


def local_days(first: date, last: date) -> tuple[datetime, datetime]:
    """The days first…last (both included) as [first 00:00, the day after last 00:00) in Asia/Shanghai."""
    return (
        datetime.combine(first, time.min, tzinfo=SHANGHAI),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=SHANGHAI),
    )
