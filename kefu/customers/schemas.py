from datetime import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from kefu.customers.models import Customer
from kefu.customers.selectors import is_returning, phone_for


class CustomerIn(Schema):
    brand: str
    name: str = Field(..., min_length=1, max_length=50)
    phone: str = Field(..., min_length=5, max_length=20)
    gender: Literal["male", "female", ""] = ""
    title: str = Field("", max_length=20)
    company: str = Field("", max_length=100)
    contract_code: str = Field("", max_length=30)
    contract_discount: Decimal | None = Field(
        None, gt=0, le=1, description="月结运费折扣，如 0.85；不填按价目表原价"
    )
    vip_level: int = Field(0, ge=0, le=5)
    address: str = Field("", max_length=200)


class CustomerPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=50)
    phone: str | None = Field(None, min_length=5, max_length=20)
    gender: Literal["male", "female", ""] | None = None
    title: str | None = Field(None, max_length=20)
    company: str | None = Field(None, max_length=100)
    contract_code: str | None = Field(None, max_length=30)
    contract_discount: Decimal | None = Field(None, gt=0, le=1, description="月结运费折扣；传 null 取消折扣")
    vip_level: int | None = Field(None, ge=0, le=5)
    address: str | None = Field(None, max_length=200)


class CustomerOut(Schema):
    id: int
    brand: str
    name: str
    salutation: str
    phone: str
    company: str
    contract_code: str
    contract_discount: Decimal | None
    vip_level: int
    returning: bool
    address: str

    @staticmethod
    def build(customer: Customer, user) -> "CustomerOut":
        return CustomerOut(
            id=customer.pk,
            brand=customer.brand.code,
            name=customer.name,
            salutation=customer.salutation,
            phone=phone_for(customer, user),
            company=customer.company,
            contract_code=customer.contract_code,
            contract_discount=customer.contract_discount,
            vip_level=customer.vip_level,
            returning=is_returning(customer),
            address=customer.address,
        )


class TimelineOut(Schema):
    at: datetime
    kind: str
    title: str
    detail: str
    ref: str
