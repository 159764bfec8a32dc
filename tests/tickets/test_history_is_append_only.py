"""A ticket's history is never overwritten: not by the ORM, not by raw SQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from kefu.tickets import services
from kefu.tickets.models import AppendOnlyError, TicketEvent
from kefu.tickets.selectors import ticket_replay


def test_events_cannot_be_changed_or_deleted_through_the_orm(cast, new_ticket):
    event = new_ticket().events.first()
    event.body = "篡改"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_updates_and_deletes_of_events(cast, new_ticket):
    event = new_ticket().events.first()
    for sql in (
        "UPDATE tickets_ticketevent SET body = 'x' WHERE id = %s",
        "DELETE FROM tickets_ticketevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [event.pk])
    assert TicketEvent.objects.get(pk=event.pk).body == event.body


def test_the_page_can_replay_history_from_events_alone(cast, new_ticket):
    from kefu.accounts.models import Department

    ticket = new_ticket("查询")
    services.ticket_assign(ticket=ticket, agent=cast.agent_a, actor=cast.supervisor)
    services.ticket_transition(ticket=ticket, to="in_progress", actor=cast.agent_a)
    services.ticket_hand_off(
        ticket=ticket,
        department=Department.objects.get(name="分拨中心"),
        actor=cast.agent_a,
        promise="两小时内回复",
    )
    services.ticket_transition(ticket=ticket, to="resolved", actor=cast.agent_a)
    frames = ticket_replay(ticket)
    statuses = [f["state"]["status"] for f in frames]
    assert statuses[0] == "new"
    assert "assigned" in statuses and "waiting_department" in statuses
    assert frames[-1]["state"]["status"] == "resolved"
    assert frames[-1]["state"]["department"] == "分拨中心"
    assert frames[-1]["state"]["assignee"] == str(cast.agent_a)
    times = [f["event"].at for f in frames]
    assert times == sorted(times)
