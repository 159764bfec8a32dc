"""The attendance page at scale: it reads the day's status rows (and the one each agent was in when the day
began), in the same queries whatever the length of the log, and gives what reading all of it would."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.chat.attendance import Period, summarize
from kefu.chat.models import AgentStatus
from kefu.chat.selectors import agents_seen_by, attendance_day
from tests.conftest import at


def history(agent, days: int, *, end_open: bool = True):
    """Status rows over `days` days ending on 2026-11-23: a day shift, and a night shift over midnight."""
    rows = []
    day0 = at("2026-11-23 00:00") - timedelta(days=days - 1)
    for d in range(days):
        day = day0 + timedelta(days=d)
        plan = [
            ("wrap_up", day + timedelta(hours=8, minutes=40)),
            ("ready", day + timedelta(hours=8, minutes=45)),
            ("busy", day + timedelta(hours=10)),
            ("break", day + timedelta(hours=12)),
            ("ready", day + timedelta(hours=13)),
            ("offline", day + timedelta(hours=17, minutes=30)),
            ("ready", day + timedelta(hours=22)),  # a night shift: past midnight into the next day
            ("offline", day + timedelta(hours=25)),
        ]
        rows += plan
    made = []
    for (status, start), nxt in zip(rows, [*rows[1:], (None, None)], strict=True):
        made.append(AgentStatus(agent=agent, status=status, started_at=start, ended_at=nxt[1]))
    if not end_open:
        made[-1].ended_at = made[-1].started_at + timedelta(hours=1)
    AgentStatus.objects.bulk_create(made)


def attendance_by_reading_everything(day_start, user, now):
    rows = []
    for agent in agents_seen_by(user).order_by("team__name", "agent_no"):
        periods = [
            Period(r.status, r.started_at, r.ended_at) for r in AgentStatus.objects.filter(agent=agent)
        ]
        rows.append(summarize(periods, day_start=day_start, now=now))
    return rows


@pytest.mark.parametrize("day", ["2026-11-23", "2026-11-22", "2026-11-24", "2026-11-01"])
def test_attendance_reads_the_day_and_gives_what_reading_all_history_gives(cast, day):
    from datetime import date

    now = at("2026-11-24 10:00")
    history(cast.agent_a, 30)
    history(cast.agent_b, 2, end_open=False)
    day_start = at(f"{day} 00:00")
    shown = attendance_day(date.fromisoformat(day), cast.supervisor, now=now)
    expected = attendance_by_reading_everything(day_start, cast.supervisor, now)
    for row, want in zip(shown, expected, strict=True):
        got = row["day"]
        assert (got.first_in, got.last_out, got.still_in, got.seconds, got.breaks) == (
            want.first_in,
            want.last_out,
            want.still_in,
            want.seconds,
            want.breaks,
        ), row["agent"]


def test_attendance_queries_and_rows_do_not_grow_with_the_history(cast, monkeypatch):
    from datetime import date

    from kefu.chat import selectors

    read: list[Period] = []
    monkeypatch.setattr(selectors, "Period", lambda *a: read.append(Period(*a)) or read[-1])

    def run():
        read.clear()
        with CaptureQueriesContext(connection) as ctx:
            attendance_day(date(2026, 11, 23), cast.supervisor, now=at("2026-11-24 10:00"))
        status_reads = [q["sql"] for q in ctx.captured_queries if 'FROM "chat_agentstatus"' in q["sql"]]
        # each read of the log is bounded: from the day's start, or the one row before it per agent
        assert status_reads and all('"started_at" >=' in sql or "LIMIT 1" in sql for sql in status_reads), (
            status_reads
        )
        return len(ctx.captured_queries), len(read)

    history(cast.agent_a, 2)
    short = run()
    AgentStatus.objects.all().delete()
    history(cast.agent_a, 60)
    # the status rows it reads: the 8 that began that day, and the night shift the agent was in at midnight
    assert run() == short and short[1] == 9
