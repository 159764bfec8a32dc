"""Pure ticket rules: the status lifecycle and priority. No Django here."""

from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING_CUSTOMER = "waiting_customer"
    WAITING_DEPARTMENT = "waiting_department"
    RESOLVED = "resolved"
    CLOSED = "closed"


STATUS_LABELS = {
    Status.NEW: "新建",
    Status.ASSIGNED: "已分派",
    Status.IN_PROGRESS: "处理中",
    Status.WAITING_CUSTOMER: "等待客户",
    Status.WAITING_DEPARTMENT: "等待部门",
    Status.RESOLVED: "已解决",
    Status.CLOSED: "已关闭",
}

# new → assigned → in progress → waiting on customer / department → resolved → closed; reopen from resolved/closed.
ALLOWED_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.ASSIGNED, Status.IN_PROGRESS}),
    Status.ASSIGNED: frozenset({Status.IN_PROGRESS}),
    Status.IN_PROGRESS: frozenset({Status.WAITING_CUSTOMER, Status.WAITING_DEPARTMENT, Status.RESOLVED}),
    Status.WAITING_CUSTOMER: frozenset({Status.IN_PROGRESS, Status.RESOLVED}),
    Status.WAITING_DEPARTMENT: frozenset({Status.IN_PROGRESS, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset({Status.IN_PROGRESS}),
}

DONE_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})
OPEN_STATUSES = frozenset(set(Status) - DONE_STATUSES)
# SLA clocks stop while the ticket waits for the customer and run again after.
PAUSED_STATUSES = frozenset({Status.WAITING_CUSTOMER})


def can_transition(current: str, target: str) -> bool:
    return Status(target) in ALLOWED_TRANSITIONS[Status(current)]


def next_statuses(current: str) -> list[tuple[str, str]]:
    """The statuses a ticket may go to from ``current``, in the workflow's order, as (value, label)."""
    allowed = ALLOWED_TRANSITIONS[Status(current)]
    return [(s.value, STATUS_LABELS[s]) for s in Status if s in allowed]


def is_reopen(current: str, target: str) -> bool:
    return Status(current) in {Status.RESOLVED, Status.CLOSED} and Status(target) == Status.IN_PROGRESS


class Priority:
    """1 is the most urgent. VIP customers and complaints raise priority."""

    URGENT, HIGH, NORMAL, LOW = 1, 2, 3, 4
    LABELS = {1: "紧急", 2: "高", 3: "普通", 4: "低"}


def priority_for(base: int, *, vip_level: int = 0, is_complaint: bool = False) -> int:
    """Each VIP level above 0 and a complaint raise the type's base priority one step, up to 紧急."""
    raise_by = (1 if vip_level > 0 else 0) + (1 if vip_level >= 3 else 0) + (1 if is_complaint else 0)
    return max(Priority.URGENT, min(Priority.LOW, base - raise_by))


# The ticket list's order: open work first, most urgent first (then newest). The database keeps it as
# Ticket.list_rank (1–4 open, by priority; 5–8 resolved or closed), so one index serves the list.
DONE_RANK_OFFSET = 4


def list_rank(status: str, priority: int) -> int:
    return priority + (DONE_RANK_OFFSET if Status(status) in DONE_STATUSES else 0)
