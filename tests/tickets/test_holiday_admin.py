"""An admin enters next year's holidays in 后台管理 as the notice's lines with Chinese names: the calendar then
says the year is loaded, and an SLA clock counted in working days moves with it."""

from datetime import datetime

import pytest

from kefu.timeutil import SHANGHAI
from tests.standards.test_holiday_notice import NOTICE_2027

SOURCE = "国务院办公厅关于2027年部分节假日安排的通知"


@pytest.mark.django_db
def test_the_2027_schedule_entered_in_the_admin_is_loaded_and_moves_a_due_time(client, cast):
    from kefu.brands.selectors import working_calendar
    from kefu.standards import sla
    from kefu.tickets.management.commands.calendar import Command  # noqa: F401 (the command below)
    from tests.tickets.test_commands import run

    three_days = sla.Target("answer", "核实后答复", 3, "days", "working", source="测试")
    start = datetime(2027, 2, 3, 10, tzinfo=SHANGHAI)  # a Wednesday before 春节
    estimated = sla.compute_due(start, three_days, working_calendar(cast.brand_b))
    assert run("calendar", "show-year", "2027")["coverage"] == "estimated"

    client.force_login(cast.admin)
    form = client.get("/admin/brands/calendaryear/add/").content.decode()
    assert "放假安排" in form and "国务院办公厅通知" in form
    saved = client.post(
        "/admin/brands/calendaryear/add/", {"year": 2027, "source": SOURCE, "notice": NOTICE_2027}
    )
    assert saved.status_code == 302, saved.content.decode()[:3000]

    shown = run("calendar", "show-year", "2027")
    assert shown["coverage"] == "loaded"
    assert {"date": "2027-02-14", "makeup_workday": True} in [
        {"date": d["date"], "makeup_workday": d["makeup_workday"]} for d in shown["days"]
    ]
    loaded = sla.compute_due(start, three_days, working_calendar(cast.brand_b))
    # estimated: 春节 from 除夕 (2月5日) for 8 days and the weekend after, no make-up days: Thu 4, Mon 15, Tue 16;
    # loaded: off 5–11: Thu 4, Fri 12, and Sunday 14 is a working day
    assert (estimated.date().isoformat(), loaded.date().isoformat()) == ("2027-02-16", "2027-02-14")


@pytest.mark.django_db
def test_a_schedule_that_disagrees_with_the_lunar_calendar_is_refused_beside_the_field_and_kept(client, cast):
    from kefu.brands.models import CalendarYear

    client.force_login(cast.admin)
    typed = NOTICE_2027.replace("2月5日（农历腊月廿九）至11日", "3月5日至11日")
    page = client.post("/admin/brands/calendaryear/add/", {"year": 2027, "source": SOURCE, "notice": typed})
    html = page.content.decode()
    assert page.status_code == 200 and not CalendarYear.objects.filter(year=2027).exists()
    assert "春节（2月6日，按农历或节气推算）不在放假日期里，请核对月份与年份" in html
    assert "春节：3月5日至11日（农历正月初五）放假调休" in html  # what was typed is still in the box

    unreadable = client.post(
        "/admin/brands/calendaryear/add/", {"year": 2027, "source": SOURCE, "notice": "元旦放假三天"}
    )
    assert "第 1 行：元旦没有写放假日期" in unreadable.content.decode()


@pytest.mark.django_db
def test_a_loaded_year_opens_in_the_form_as_lines_it_reads_back(client, cast):
    from kefu.brands.models import CalendarYear
    from kefu.brands.services import calendar_year_load
    from kefu.standards.holiday_notice import parse_notice

    row = calendar_year_load(
        year=2027, schedule=parse_notice(2027, NOTICE_2027, SOURCE).to_dict(), source=SOURCE
    )
    client.force_login(cast.admin)
    html = client.get(f"/admin/brands/calendaryear/{row.pk}/change/").content.decode()
    assert "春节 2027-02-05 至 2027-02-11 放假；2027-02-14、2027-02-20 上班" in html
    assert CalendarYear.objects.count() == 1
