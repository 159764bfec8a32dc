"""Reads for customers: search, new vs returning, and the one timeline of everything they did."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from kefu import typed
from kefu.accounts import access
from kefu.accounts.models import User
from kefu.customers.models import Customer
from kefu.customers.rules import mask_phone, typed_phone
from kefu.errors import ServiceError
from kefu.lookups import any_of, starts_with


def customers_for(user: User) -> QuerySet[Customer]:
    return access.scoped(Customer.objects.select_related("brand"), user)


def customer_search(user: User, q: str, *, brand: str = "") -> QuerySet[Customer]:
    """Find by phone, name, company or contract code; agents must say what they look for (no browsing the
    customer list, 000 工作操守 3.9)."""
    if not q.strip() and not access.can(user, "customer.list"):
        raise ServiceError("请输入电话、姓名、公司或月结合同号再查找客户", field="q")
    qs = customers_for(user)
    if brand:
        qs = qs.filter(Q(brand__code=brand) | Q(brand__name=brand))
    q = q.strip()
    if q:
        qs = qs.filter(_matching(q))
    return qs.order_by("-vip_level", "name")


def _matching(q: str) -> Q:
    """Each arm through an index: name or company from its start, the contract code, the phone from its start
    (4 digits or more) or its last four digits (尾号)."""
    names = typed.name_forms(q)
    cond = any_of(starts_with("name", n) | starts_with("company", n) for n in names)
    cond |= Q(contract_code__in=sorted({typed.width(q), typed.code(q)}))
    phone = typed_phone(q, min_digits=4)
    if phone:
        cond |= starts_with("phone", phone)
        if len(phone) == 4:
            cond |= Q(phone_tail=phone)
    return cond


def customer_by_phone(user: User, brand, phone: str) -> Customer | None:
    """The brand's customer with the phone as typed (spaces, dashes, +86, full-width digits), if the user serves
    the brand; None when nobody has it yet or the text is not a phone."""
    digits = typed_phone(phone, min_digits=7)
    return customers_for(user).filter(brand=brand, phone=digits).first() if digits else None


def customer_get_for_user(customer_id: int, user: User) -> Customer:
    """A customer by id, if the user serves its brand; showing it to them goes through services.customer_open."""
    return access.get_for_user(Customer.objects.select_related("brand"), user, "客户", pk=customer_id)


def is_returning(customer: Customer, *, before: datetime | None = None) -> bool:
    """判别新老客户 (004 第一节 二 2): a returning customer has contacted us before."""
    tickets = customer.tickets.all()
    if before is not None:
        tickets = tickets.filter(created_at__lt=before)
    return tickets.exists()


def phone_for(customer: Customer, user: User) -> str:
    return customer.phone if access.can(user, "customer.full_phone") else mask_phone(customer.phone)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # ticket | call | chat | email | waybill
    title: str
    detail: str
    ref: str


CHANNEL_KIND = {
    "phone": "call",
    "outbound": "call",
    "chat": "chat",
    "email": "email",
    "web_form": "ticket",
    "walk_in": "ticket",
}


def customer_timeline(customer: Customer, *, limit: int = 200) -> list[TimelineEntry]:
    """Tickets, calls, chats and waybills on one timeline, newest first."""
    entries = [
        TimelineEntry(
            at=t.created_at,
            kind=CHANNEL_KIND.get(t.channel, "ticket"),
            title=f"{t.type.name} · {t.get_channel_display()}",
            detail=t.subject,
            ref=t.number,
        )
        for t in customer.tickets.select_related("type").order_by("-created_at")[:limit]
    ]
    for provider in TIMELINE_PROVIDERS:
        entries.extend(provider(customer, limit))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


# Other bounded contexts (express waybills, chat sessions) add their entries here at import time.
TIMELINE_PROVIDERS: list = []
