"""Helpers shared by the express use cases: Chinese errors from the pure engine, resolving a ticket."""

from __future__ import annotations

from datetime import datetime

from kefu.accounts.models import User
from kefu.errors import ServiceError
from kefu.express.rules import InputError
from kefu.tickets import services as tickets
from kefu.tickets.models import Ticket
from kefu.tickets.rules import Status


def input_error(exc: InputError) -> ServiceError:
    return ServiceError(exc.message, field=exc.field)


def resolve(ticket: Ticket, *, actor: User | None, note: str, at: datetime) -> Ticket:
    """Resolve a ticket from whatever open state it is in (through 处理中, as the ticket rules require)."""
    ticket = Ticket.objects.get(pk=ticket.pk)
    if ticket.status in (Status.NEW, Status.ASSIGNED, Status.WAITING_DEPARTMENT, Status.WAITING_CUSTOMER):
        ticket = tickets.ticket_transition(ticket=ticket, to=Status.IN_PROGRESS, actor=actor, at=at)
    return tickets.ticket_transition(ticket=ticket, to=Status.RESOLVED, actor=actor, note=note, at=at)
