"""SLA clocks on tickets: started from the rulebook, paused while waiting on the customer, swept once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from kefu import timeutil
from kefu.tickets import services
from kefu.tickets.models import SlaClock, TicketEvent
from tests.conftest import at


def test_a_tracking_query_gets_the_30_minute_answer_clock(cast, new_ticket):
    ticket = new_ticket("查询", when=at("2026-11-24 10:00"))
    clock = ticket.clocks.get(code="answer")
    assert clock.due_at == at("2026-11-24 10:30")
    assert "004_4ea5f35392de9aaf.txt" in clock.source
    assert ticket.events.filter(kind="sla_started", sla_clock=clock).exists()


def test_a_holding_reply_does_not_meet_a_promise_of_a_result_the_answer_does(cast, new_ticket):
    ticket = new_ticket("查询", when=at("2026-11-24 10:00"))
    services.ticket_reply(
        ticket=ticket, actor=cast.agent_a, body="您好，请您稍等，我帮您查一下。", at=at("2026-11-24 10:05")
    )
    clock = ticket.clocks.get(code="answer")
    assert clock.met_at is None, "请稍等 is not the answer"
    services.ticket_reply(
        ticket=ticket,
        actor=cast.agent_a,
        body="您好，您的快件已到达。",
        answer=True,
        at=at("2026-11-24 10:12"),
    )
    clock.refresh_from_db()
    assert clock.met_at == at("2026-11-24 10:12")
    assert ticket.events.get(kind="reply", body="您好，您的快件已到达。").data["answer"] is True
    assert services.sla_sweep(now=at("2026-11-24 12:00")) == 0


def test_after_a_hand_off_only_the_result_meets_the_24_hour_feedback_promise(cast, new_ticket):
    from kefu.accounts.models import Department

    ticket = new_ticket("咨询", when=at("2026-11-24 10:00"))
    services.ticket_hand_off(
        ticket=ticket,
        department=Department.objects.get(name="技术支持"),
        actor=cast.agent_a,
        promise="24小时内反馈",
        at=at("2026-11-24 10:10"),
    )
    services.ticket_reply(
        ticket=ticket, actor=cast.agent_a, body="您好，正在处理中。", at=at("2026-11-24 11:00")
    )
    feedback = ticket.clocks.get(code="feedback")
    assert feedback.met_at is None
    services.ticket_transition(ticket=ticket, to="resolved", actor=cast.agent_a, at=at("2026-11-24 15:00"))
    feedback.refresh_from_db()
    assert feedback.met_at == at("2026-11-24 15:00"), "resolving is the result"


def test_a_reopened_ticket_owes_its_result_again_from_the_reopening(cast, new_ticket):
    ticket = new_ticket("查询", when=at("2026-11-24 10:00"))
    services.ticket_reply(
        ticket=ticket,
        actor=cast.agent_a,
        body="您好，您的快件已签收。",
        answer=True,
        at=at("2026-11-24 10:10"),
    )
    services.ticket_transition(ticket=ticket, to="resolved", actor=cast.agent_a, at=at("2026-11-24 10:20"))
    services.ticket_transition(ticket=ticket, to="in_progress", actor=cast.agent_a, at=at("2026-11-24 14:00"))
    answers = list(ticket.clocks.filter(code="answer").order_by("id"))
    assert len(answers) == 2 and answers[0].met_at == at("2026-11-24 10:10")
    fresh = answers[1]
    assert fresh.met_at is None and fresh.started_at == at("2026-11-24 14:00")
    assert fresh.due_at == at("2026-11-24 14:30"), "the type's own 30 minutes, from the reopening"
    assert ticket.events.filter(kind="sla_started", sla_clock=fresh).exists()
    assert services.sla_sweep(now=at("2026-11-24 14:31")) == 1, "the fresh clock breaches like any other"


def test_a_reopen_replaces_the_follow_up_the_resolution_started(cast, new_ticket):
    ticket = new_ticket("订购", when=at("2026-11-24 10:00"))
    services.ticket_transition(ticket=ticket, to="in_progress", actor=cast.agent_a, at=at("2026-11-24 10:30"))
    services.ticket_transition(ticket=ticket, to="resolved", actor=cast.agent_a, at=at("2026-11-24 11:00"))
    follow_up = ticket.clocks.get(code="follow_up")
    services.ticket_transition(ticket=ticket, to="in_progress", actor=cast.agent_a, at=at("2026-11-25 09:00"))
    follow_up.refresh_from_db()
    assert follow_up.replaced_at == at("2026-11-25 09:00")
    replaced = ticket.events.get(kind="sla_replaced", sla_clock=follow_up)
    assert replaced.data["by"] == "工单重新打开"
    services.ticket_transition(ticket=ticket, to="resolved", actor=cast.agent_a, at=at("2026-11-26 09:00"))
    assert ticket.clocks.filter(code="follow_up", replaced_at__isnull=True).get().started_at == at(
        "2026-11-26 09:00"
    ), "the next resolution starts it again"


def test_hand_off_starts_the_department_clock_on_the_working_calendar(cast, new_ticket):
    from kefu.accounts.models import Department

    ticket = new_ticket("咨询", when=at("2026-09-30 15:00"))
    services.ticket_hand_off(
        ticket=ticket,
        department=Department.objects.get(name="技术支持"),
        actor=cast.agent_a,
        promise="三个工作日内回复",
        at=at("2026-09-30 16:00"),
    )
    answer = ticket.clocks.get(code="answer")
    assert answer.clock == "working"
    assert answer.due_at == at("2026-10-10 16:00"), (
        "3 working days over National Day land on the make-up Saturday"
    )


def test_an_explicit_promise_sets_the_hand_off_due_time(cast, new_ticket):
    from kefu.accounts.models import Department

    ticket = new_ticket("查询", when=at("2026-11-24 09:00"))
    services.ticket_hand_off(
        ticket=ticket,
        department=Department.objects.get(name="营业部"),
        actor=cast.agent_a,
        promise="下午两点前回电",
        promised_at=at("2026-11-24 14:00"),
        at=at("2026-11-24 09:10"),
    )
    assert set(ticket.clocks.filter(started_at=at("2026-11-24 09:10")).values_list("due_at", flat=True)) == {
        at("2026-11-24 14:00")
    }


def test_clocks_pause_while_waiting_on_the_customer_and_resume_after(cast, new_ticket):
    ticket = new_ticket("查询", when=at("2026-11-24 10:00"))
    services.ticket_transition(ticket=ticket, to="in_progress", actor=cast.agent_a, at=at("2026-11-24 10:05"))
    services.ticket_transition(
        ticket=ticket, to="waiting_customer", actor=cast.agent_a, at=at("2026-11-24 10:10")
    )
    clock = ticket.clocks.get(code="answer")
    assert clock.paused_at == at("2026-11-24 10:10")
    assert services.sla_sweep(now=at("2026-11-24 11:00")) == 0, "a paused clock does not breach"
    services.ticket_transition(ticket=ticket, to="in_progress", actor=cast.agent_a, at=at("2026-11-24 11:00"))
    clock.refresh_from_db()
    assert clock.paused_at is None
    assert clock.due_at == at("2026-11-24 11:20"), "the 20 minutes left at the pause remain after it"
    kinds = list(ticket.events.filter(sla_clock=clock).values_list("kind", flat=True))
    assert kinds == ["sla_started", "sla_paused", "sla_resumed"]


def test_working_clock_keeps_its_working_time_over_a_pause(cast, new_ticket):
    from kefu.accounts.models import Department

    ticket = new_ticket("咨询", when=at("2026-11-23 09:00"))  # Monday
    services.ticket_hand_off(
        ticket=ticket,
        department=Department.objects.get(name="售后"),
        actor=cast.agent_a,
        promise="三个工作日内回复",
        at=at("2026-11-23 10:00"),
    )
    services.ticket_transition(ticket=ticket, to="in_progress", actor=cast.agent_a, at=at("2026-11-24 10:00"))
    services.ticket_transition(
        ticket=ticket, to="waiting_customer", actor=cast.agent_a, at=at("2026-11-24 10:00")
    )
    services.ticket_transition(
        ticket=ticket, to="in_progress", actor=cast.agent_a, at=at("2026-11-27 10:00")
    )  # Fri
    answer = ticket.clocks.get(code="answer")
    # due Thu 26th 10:00 before the pause; 2 working days were left at the pause → Tue Dec 1st 10:00.
    assert answer.due_at == at("2026-12-01 10:00")


def test_a_late_reply_meets_the_clock_and_records_the_breach(cast, new_ticket):
    ticket = new_ticket("查询", when=at("2026-11-24 10:00"))
    services.ticket_reply(
        ticket=ticket,
        actor=cast.agent_a,
        body="您好，让您久等了，快件已签收。",
        answer=True,
        at=at("2026-11-24 10:45"),
    )
    clock = ticket.clocks.get(code="answer")
    assert clock.met_at == clock.breached_at == at("2026-11-24 10:45")
    assert services.sla_sweep(now=at("2026-11-24 11:00")) == 0
    assert ticket.events.filter(kind="sla_breached").count() == 1


def test_the_sweep_records_a_breach_once(cast, new_ticket):
    ticket = new_ticket("查询", when=at("2026-11-24 10:00"))
    assert services.sla_sweep(now=at("2026-11-24 10:29")) == 0
    assert services.sla_sweep(now=at("2026-11-24 10:31")) == 1
    assert services.sla_sweep(now=at("2026-11-24 10:40")) == 0
    events = TicketEvent.objects.filter(ticket=ticket, kind="sla_breached")
    assert events.count() == 1 and events.get().data["code"] == "answer"


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_in_parallel_record_one_breach_event_per_ticket(cast, new_ticket):
    tickets = [new_ticket("查询", when=at("2026-11-24 08:00") + timedelta(minutes=i)) for i in range(40)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait()
            results.append(services.sla_sweep(now=at("2026-11-24 12:00")))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == [0, 40] or sum(results) == 40
    for ticket in tickets:
        assert TicketEvent.objects.filter(ticket=ticket, kind="sla_breached").count() == 1
    assert SlaClock.objects.filter(breached_at__isnull=False).count() == 40


def test_the_minute_sweep_of_the_workers_records_breaches(cast, new_ticket):
    from kefu.jobs.sweeps import every_minute

    ticket = new_ticket("查询", when=at("2026-01-05 10:00"))  # long overdue
    every_minute()
    every_minute()  # the next minute, or another node: recorded once
    assert TicketEvent.objects.filter(ticket=ticket, kind="sla_breached").count() == 1


def test_a_working_time_countdown_stops_at_the_end_of_working_time_and_says_so(cast, new_ticket, client):
    from kefu.accounts.models import Department
    from kefu.tickets.selectors import clock_states

    ticket = new_ticket("咨询", when=at("2026-11-27 15:00"))  # a Friday
    services.ticket_hand_off(
        ticket=ticket,
        department=Department.objects.get(name="技术支持"),
        actor=cast.agent_a,
        promise="三个工作日内回复",
        at=at("2026-11-27 16:00"),
    )

    def answer(now):
        return next(c for c in clock_states(ticket, now=at(now)) if c["code"] == "answer")

    friday = answer("2026-11-27 23:00")
    assert (
        friday["counting"] and friday["changes_at"] == at("2026-11-28 00:00") and friday["changes_in"] == 3600
    )
    saturday, sunday = answer("2026-11-28 10:00"), answer("2026-11-29 20:00")
    assert not saturday["counting"] and saturday["changes_at"] == at("2026-11-30 00:00")
    assert saturday["state_label"] == "非工作时间暂停"
    assert (
        saturday["remaining_seconds"] == sunday["remaining_seconds"] == friday["remaining_seconds"] - 3600
    ), "the weekend does not count"
    client.force_login(cast.agent_a)
    timeutil.set_clock("2026-11-28 10:00")
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "非工作时间，暂停计时，11-30 00:00 起继续" in page
    assert 'data-counting="0"' in page
