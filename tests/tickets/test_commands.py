"""The kefu command: calendar, SLA and demo data, as an operator would run them."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def run(*args) -> dict:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


def test_is_workday_on_the_national_day_make_up_saturday(db):
    info = run("calendar", "is-workday", "2026-10-10")
    assert info["workday"] is True and info["makeup_workday"] is True and info["estimated"] is False


def test_is_workday_on_a_holiday(db):
    info = run("calendar", "is-workday", "2026-10-02")
    assert info["workday"] is False and info["holiday_name"] == "国庆节"


def test_add_working_days_across_national_day(db):
    assert (
        run("calendar", "add-working-days", "2026-09-30T16:00", "3")["result"] == "2026-10-10T16:00:00+08:00"
    )


def test_an_uncovered_year_is_estimated_until_its_schedule_is_loaded(db, tmp_path):
    assert run("calendar", "is-workday", "2027-01-01")["estimated"] is True
    schedule = tmp_path / "2027.json"
    schedule.write_text(
        json.dumps(
            {
                "year": 2027,
                "source": "测试用安排",
                "holidays": {
                    "2027-01-01": "new_year",
                    "2027-01-02": "new_year",
                    "2027-01-03": "new_year",
                    "2027-01-04": "new_year",
                },
                "workdays": ["2027-01-09"],
            },
            ensure_ascii=False,
        )
    )
    assert run("calendar", "load-year", str(schedule))["loaded"] is True
    monday = run("calendar", "is-workday", "2027-01-04")
    assert monday["workday"] is False and monday["source"] == "loaded"
    saturday = run("calendar", "is-workday", "2027-01-09")
    assert saturday["workday"] is True and saturday["makeup_workday"] is True
    # 2027-01-01 (Fri) 10:00 + 1 working day: the 4th is off by the loaded schedule → Tue 5th.
    assert (
        run("calendar", "add-working-days", "2026-12-31T10:00", "1")["result"] == "2027-01-05T10:00:00+08:00"
    )


def test_a_bad_schedule_is_refused_with_a_readable_error(db, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"year": 2027, "source": "x", "holidays": {"2027-13-01": "new_year"}}))
    with pytest.raises(CommandError) as err:
        run("calendar", "load-year", str(bad))
    assert err.value.returncode == 2


def test_sla_due_prints_every_target_with_its_due_time(cast):
    out = run("sla", "due", "--brand", "xintianjie", "--type", "投诉", "--at", "2026-09-30T16:00")
    dues = {t["code"]: t["due_at"] for t in out["targets"] if t["starts_on"] == "created"}
    assert dues["resolve"] == "2026-10-07T16:00:00+08:00", "7 calendar days (快递暂行条例)"
    assert dues["acknowledge"] == "2026-09-30T16:30:00+08:00"
    with pytest.raises(CommandError):
        run("sla", "due", "--type", "占卜")


def test_demo_data_builds_a_living_contact_center(db):
    from io import StringIO

    from kefu.tickets.models import SlaClock, Ticket

    out = StringIO()
    call_command("demo_data", "--tickets", "60", stdout=out)
    assert Ticket.objects.count() >= 60
    assert Ticket.objects.values("status").distinct().count() >= 5
    assert SlaClock.objects.filter(breached_at__isnull=False).exists(), "some demo tickets are past their SLA"
    assert "kefu12345" in out.getvalue()
    call_command("demo_data", stdout=out)
    assert "已存在" in out.getvalue()


def test_the_kefu_console_script_runs_a_command_with_a_clean_error():
    kefu = Path(sys.executable).with_name("kefu")
    res = subprocess.run(
        [str(kefu), "calendar", "is-workday", "2026-13-40"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "KEFU_DATABASE_URL": "sqlite:///:memory:"},
        timeout=60,
    )
    assert res.returncode == 2
    assert "日期格式不正确" in res.stderr and "Traceback" not in res.stderr
