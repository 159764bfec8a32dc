"""Writes for customers."""

from decimal import Decimal

from django.db import IntegrityError, transaction

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


def _clean(fields: dict) -> dict:
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


def customer_create(*, brand: Brand, name: str, phone: str, **fields) -> Customer:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ServiceError(f"未知的客户字段：{', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    data = _clean({"name": name, "phone": phone, **fields})
    try:
        with transaction.atomic():
            return Customer.objects.create(brand=brand, **data)
    except IntegrityError as exc:
        raise Conflict("该品牌下已有使用此电话的客户", field="phone") from exc


def customer_update(*, customer: Customer, **fields) -> Customer:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ServiceError(f"未知的客户字段：{', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    for name, value in _clean(fields).items():
        setattr(customer, name, value)
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as exc:
        raise Conflict("该品牌下已有使用此电话的客户", field="phone") from exc
    return customer


def customer_open(*, customer: Customer, user: User, reason: str = "") -> Customer:
    """Record that a person opened the customer's record (000 工作操守 3.9)."""
    CustomerAccessLog.objects.create(customer=customer, user=user, reason=reason[:100])
    return customer


def customer_find_or_create(*, brand: Brand, name: str, phone: str, **fields) -> Customer:
    """The brand's customer with this phone, or a new one (a contact from an unknown number)."""
    existing = Customer.objects.filter(brand=brand, phone=normalize_phone(phone)).first()
    return existing or customer_create(brand=brand, name=name, phone=phone, **fields)
