"""kefu's one clock: KEFU_NOW sets it for this process and the ones it starts; tests state the clock they use."""

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kefu import timeutil
from tests.conftest import at

KEFU = str(Path(sys.executable).with_name("kefu"))


@pytest.mark.clock("2027-02-28 18:00")
def test_a_test_runs_at_the_moment_it_states_and_the_clock_runs_on():
    first = timeutil.now()
    assert at("2027-02-28 18:00") <= first < at("2027-02-28 18:01")
    assert first.tzinfo == timeutil.SHANGHAI
    assert timeutil.now() >= first


def test_a_test_without_a_stated_moment_runs_at_the_suites_clock(request):
    assert request.config.suite_clock <= timeutil.now() < request.config.suite_clock + timedelta(minutes=1)


def test_the_clock_is_shared_with_the_processes_a_test_starts():
    timeutil.set_clock("2026-12-31 23:30")
    out = subprocess.run(
        [sys.executable, "-c", "from kefu import timeutil; print(timeutil.now().isoformat())"],
        env=os.environ,
        capture_output=True,
        text=True,
        check=True,
    )
    child = datetime.fromisoformat(out.stdout.strip())
    assert at("2026-12-31 23:30") <= child < at("2026-12-31 23:31")
    assert child <= timeutil.now()


def test_without_kefu_now_it_is_the_wall_clock(monkeypatch):
    timeutil.set_clock(None)
    assert "KEFU_NOW" not in os.environ
    wall = at("2027-02-28 18:00")
    monkeypatch.setattr(timeutil._time, "time", wall.timestamp)  # the wall clock, stated
    assert timeutil.now() == wall
    assert timeutil.clock_setting() is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-10-10 10:00", "2026-10-10T10:00:00+08:00"),
        ("2026-10-10T10:00", "2026-10-10T10:00:00+08:00"),
        ("2026-10-10T02:00:00+00:00", "2026-10-10T10:00:00+08:00"),
        ("2026-10-10", "2026-10-10T00:00:00+08:00"),
    ],
)
def test_moments_are_read_in_shanghai_time_unless_they_say_otherwise(text, expected):
    assert timeutil.parse_moment(text).isoformat() == expected
    assert timeutil.local_now(datetime.fromisoformat(text)).isoformat() == expected


def test_a_bad_kefu_now_is_one_chinese_line_and_exit_2():
    out = subprocess.run(
        [KEFU, "sla", "due", "--brand", "x", "--type", "投诉"],
        env={**os.environ, "KEFU_NOW": "明天上午"},
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert out.stderr.strip() == "KEFU_NOW：无法识别的时间“明天上午”，请用 2026-12-01 09:00 这样的格式"
