"""考勤与占用率 from the status log: sign-in and sign-out, late and early against the shift, time per status,
breaks, occupancy; the supervisor's page."""

import re
from datetime import time

import pytest

from kefu.chat import presence
from kefu.chat.attendance import Period, summarize
from tests.conftest import at

DAY = at("2026-11-23 00:00")
SHIFT = (time(8, 30), time(17, 30))


def test_a_day_adds_up_with_late_arrival_breaks_and_occupancy():
    periods = [
        Period("wrap_up", at("2026-11-23 08:41"), at("2026-11-23 08:45")),  # 签入 lands in 话后处理
        Period("ready", at("2026-11-23 08:45"), at("2026-11-23 09:45")),
        Period("busy", at("2026-11-23 09:45"), at("2026-11-23 11:15")),
        Period("break", at("2026-11-23 11:15"), at("2026-11-23 11:30")),
        Period("ready", at("2026-11-23 11:30"), at("2026-11-23 12:00")),
        Period("break", at("2026-11-23 12:00"), at("2026-11-23 13:00")),
        Period("wrap_up", at("2026-11-23 13:00"), at("2026-11-23 17:00")),
        Period("offline", at("2026-11-23 17:00"), None),
    ]
    day = summarize(periods, day_start=DAY, now=at("2026-11-24 09:00"), shift=SHIFT)
    assert day.first_in == at("2026-11-23 08:41") and day.late_minutes == 11
    assert day.last_out == at("2026-11-23 17:00") and day.early_minutes == 30 and not day.still_in
    assert day.seconds["ready"] == 90 * 60 and day.seconds["busy"] == 90 * 60
    assert day.seconds["wrap_up"] == (4 * 60 + 4) * 60 and day.seconds["break"] == 75 * 60
    assert day.breaks == 2 and day.signed_in_seconds == (8 * 60 + 19) * 60
    # (busy 90 + wrap-up 244) / (ready 90 + busy 90 + wrap-up 244)
    assert day.occupancy == pytest.approx(334 / 424)


def test_a_night_shift_is_cut_at_midnight_and_an_open_status_counts_until_now():
    periods = [
        Period("ready", at("2026-11-22 22:00"), at("2026-11-23 02:00")),
        Period("busy", at("2026-11-23 02:00"), None),
    ]
    day = summarize(periods, day_start=DAY, now=at("2026-11-23 03:30"), shift=SHIFT)
    assert day.first_in == at("2026-11-22 22:00") and day.still_in and day.last_out is None
    assert day.seconds["ready"] == 2 * 3600 and day.seconds["busy"] == 90 * 60
    assert (day.late_minutes, day.early_minutes) == (0, 0)


def test_signing_out_before_the_shift_starts_is_not_leaving_early():
    periods = [
        Period("busy", at("2026-11-22 21:00"), at("2026-11-23 01:10")),
        Period("offline", at("2026-11-23 01:10"), None),
    ]
    day = summarize(periods, day_start=DAY, now=at("2026-11-23 12:00"), shift=SHIFT)
    assert day.last_out == at("2026-11-23 01:10") and (day.late_minutes, day.early_minutes) == (0, 0)


def test_an_absent_agent_has_no_figures():
    day = summarize([], day_start=DAY, now=at("2026-11-24 09:00"), shift=SHIFT)
    assert day.first_in is None and day.occupancy is None and day.signed_in_seconds == 0


def test_the_supervisor_sees_each_agents_day(cast, client):
    agent = cast.agent_a
    presence.agent_sign_in(agent=agent, at=at("2026-11-23 09:20"))
    presence.agent_set_status(agent=agent, status="ready", at=at("2026-11-23 09:30"))
    presence.agent_set_status(agent=agent, status="busy", at=at("2026-11-23 10:30"))
    presence.agent_set_status(agent=agent, status="wrap_up", at=at("2026-11-23 11:30"))
    presence.agent_sign_out(agent=agent, at=at("2026-11-23 18:00"))
    client.force_login(cast.agent_b)
    assert client.get("/desk/attendance/").status_code == 403
    client.force_login(cast.supervisor)
    page = re.sub(r"\s+", " ", client.get("/desk/attendance/", {"day": "2026-11-23"}).content.decode())
    row = page[page.index(f"<td>{agent.agent_no}</td>") :]
    row = row[: row.index("</tr>")]
    assert "09:20" in row and "18:00" in row and "1 小时 0 分" in row
    assert re.search(r"迟到 \d+ 分", row)  # the shift starts at the brand's service start, before 09:20
    assert "88%" in row  # (busy 1 h + wrap-up 6.5 h) / (ready 1 h + busy 1 h + wrap-up 6.5 h)
    bad = client.get("/desk/attendance/", {"day": "23/11"}).content.decode()
    assert "日期格式应为 2026-11-24：23/11" in bad


@pytest.mark.django_db
def test_a_scripted_day_through_the_desk_gives_the_hand_computed_occupancy(cast, client, chat_start):
    """签入 09:00, 就绪 09:05; a chat 09:20–09:32 and its wrap-up, which ends by itself at 09:34 (the team's
    120 s); 小休 10:00–10:15; a chat 10:30–10:50, wrap-up extended once to 10:54; 签退 11:00.

    By hand: 已签入 5 min; 就绪 15 + 26 + 15 + 6 = 62 min; 通话中 12 + 20 = 32 min; 话后处理 2 + 4 = 6 min;
    小休 15 min; online 2 h. Occupancy = (32 + 6) / (62 + 32 + 6) = 38 %."""
    from kefu.chat.services import chat_end, offer_claim

    agent = cast.agent_a
    presence.agent_sign_in(agent=agent, at=at("2026-11-23 09:00"))
    presence.agent_set_status(agent=agent, status="ready", at=at("2026-11-23 09:05"))
    for taken, ended in (("09:20", "09:32"), ("10:30", "10:50")):
        session = chat_start(visitor_name="王先生", at=at(f"2026-11-23 {taken}"))
        offer_claim(offer_id=session.offers.get().pk, agent=agent, at=at(f"2026-11-23 {taken}"))
        chat_end(session=session, actor=agent, at=at(f"2026-11-23 {ended}"))
        if taken == "09:20":
            assert presence.wrap_up_sweep(at=at("2026-11-23 09:34")) == 1
            presence.agent_set_status(agent=agent, status="break", at=at("2026-11-23 10:00"))
            presence.agent_set_status(agent=agent, status="ready", at=at("2026-11-23 10:15"))
    presence.agent_extend_wrap_up(agent=agent, at=at("2026-11-23 10:51"))
    assert presence.wrap_up_sweep(at=at("2026-11-23 10:52")) == 0
    assert presence.wrap_up_sweep(at=at("2026-11-23 10:54")) == 1
    presence.agent_sign_out(agent=agent, at=at("2026-11-23 11:00"))

    client.force_login(cast.supervisor)
    page = re.sub(r"\s+", " ", client.get("/desk/attendance/", {"day": "2026-11-23"}).content.decode())
    row = page[page.index(f"<td>{agent.agent_no}</td>") :]
    cells = re.findall(r'<td class="num">(.*?)</td>', row[: row.index("</tr>")])
    assert cells == ["2 小时 0 分", "1 小时 2 分", "32 分 0 秒", "6 分 0 秒", "1 次 · 15 分 0 秒"]
    assert "38%" in row
