"""Writes for customers."""

from collections.abc import Iterable
from decimal import Decimal

from auditlog.context import set_actor
from django.db import IntegrityError, transaction

from kefu.accounts import access
from kefu.accounts.models import User
from kefu.brands.models import Brand
from kefu.customers.models import Customer, CustomerAccessLog
from kefu.customers.rules import normalize_phone
from kefu.errors import Conflict, ServiceError

EDITABLE = (
    "name",
    "gender",
    "title",
    "phone",
    "company",
    "contract_code",
    "contract_discount",
    "vip_level",
    "address",
)
# Commercial terms: only supervisors and admins change them (access: customer.change_terms); audited like the rest.
TERMS = frozenset({"contract_code", "contract_discount", "vip_level"})


def _clean(fields: dict) -> dict:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ServiceError(f"未知的客户字段：{', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    for name, value in fields.items():
        if value is None and not Customer._meta.get_field(name).null:
            raise ServiceError(f"{Customer._meta.get_field(name).verbose_name}不能为空", field=name)
    if "phone" in fields:
        fields["phone"] = normalize_phone(fields["phone"])
        if not 7 <= len(fields["phone"]) <= 12:
            raise ServiceError("电话号码格式不正确", field="phone")
    if "name" in fields and not str(fields["name"]).strip():
        raise ServiceError("请填写客户姓名", field="name")
    discount = fields.get("contract_discount")
    if discount is not None and not 0 < Decimal(str(discount)) <= 1:
        raise ServiceError("月结运费折扣应大于 0、不超过 1（如 0.85 为八五折）", field="contract_discount")
    if "vip_level" in fields and not 0 <= int(fields["vip_level"]) <= 5:
        raise ServiceError("VIP 等级应在 0 到 5 之间", field="vip_level")
    return fields


def _authorize(actor: User | None, brand: Brand, permission: str, touched: set[str]) -> None:
    """May ``actor`` write these fields of a customer of ``brand``? None is kefu itself (a chat visitor's
    contact, the demo, an import)."""
    if actor is None:
        return
    access.require(actor, permission)
    access.require_brand(actor, brand, what="该客户")
    if TERMS & touched:
        access.require(actor, "customer.change_terms")


def customer_create(*, brand: Brand, name: str, phone: str, actor: User | None = None, **fields) -> Customer:
    data = _clean({"name": name, "phone": phone, **fields})
    _authorize(actor, brand, "customer.create", {k for k, v in data.items() if v not in (None, "", 0)})
    try:
        with transaction.atomic(), set_actor(actor):
            return Customer.objects.create(brand=brand, **data)
    except IntegrityError as exc:
        raise Conflict("该品牌下已有使用此电话的客户", field="phone") from exc


def customer_update(*, customer: Customer, actor: User | None, **fields) -> Customer:
    """Change a customer's data; every change is in the audit log (who, when, old → new)."""
    changed = {k: v for k, v in _clean(fields).items() if getattr(customer, k) != v}
    _authorize(actor, customer.brand, "customer.change", set(changed))
    for name, value in changed.items():
        setattr(customer, name, value)
    try:
        with transaction.atomic(), set_actor(actor):
            customer.save()
    except IntegrityError as exc:
        raise Conflict("该品牌下已有使用此电话的客户", field="phone") from exc
    return customer


def customer_open(*, customer: Customer, user: User, via: str, reason: str = "") -> Customer:
    """The one way to show a person a customer's record: refused outside the brands they serve, and written to
    the access log with where it was opened (000 工作操守 3.9)."""
    customers_open(customers=[customer], user=user, via=via, reason=reason)
    return customer


def customers_open(*, customers: Iterable[Customer], user: User, via: str, reason: str = "") -> None:
    """customer_open for every customer a page or an export shows at once (a settlement's Excel), in one write."""
    access.require(user, "customer.read")
    customers = list(customers)
    for brand_id in {c.brand_id for c in customers}:  # one check per brand, not per customer of an export
        access.require_brand(user, brand_id, what="该客户")
    CustomerAccessLog.objects.bulk_create(
        CustomerAccessLog(
            customer=c,
            customer_ref=c.pk,
            customer_name=c.name,
            brand_id=c.brand_id,
            user=user,
            via=via[:100],
            reason=reason[:100],
        )
        for c in customers
    )


def customer_find_or_create(
    *, brand: Brand, name: str, phone: str, actor: User | None = None, **fields
) -> Customer:
    """The brand's customer with this phone, or a new one (a contact from an unknown number)."""
    existing = Customer.objects.filter(brand=brand, phone=normalize_phone(phone)).first()
    return existing or customer_create(brand=brand, name=name, phone=phone, actor=actor, **fields)
