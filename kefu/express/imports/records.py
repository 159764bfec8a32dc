"""Waybills and face-sheet fee records (面单费用) from files."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from kefu.brands.models import Brand
from kefu.customers.models import Customer
from kefu.errors import ServiceError
from kefu.express.imports.base import (
    Importer,
    RowError,
    db_datetime,
    decimal,
    foreign_reason,
    moment,
    money,
    text,
    waybill_number,
)
from kefu.express.models import FeeRecord, Payment, Waybill
from kefu.express.selectors import own_number_check

PAYMENTS = {
    "寄付": Payment.SENDER,
    "到付": Payment.RECIPIENT,
    "月结": Payment.MONTHLY,
    **{p.value: p.value for p in Payment},
}
TRUE = {"1", "true", "yes", "是", "y"}


class WaybillImporter(Importer):
    table = Waybill._meta.db_table
    columns = [
        "brand_id",
        "number",
        "sender_name",
        "sender_phone",
        "sender_address",
        "recipient_name",
        "recipient_phone",
        "recipient_address",
        "origin_id",
        "destination_id",
        "item_name",
        "pieces",
        "weight_kg",
        "volume_cm3",
        "declared_value",
        "insured",
        "freight",
        "insurance_fee",
        "payment",
        "contract_customer_id",
        "shipped_at",
    ]
    conflict = "brand_id, number"

    def __init__(self, brand: Brand) -> None:
        super().__init__(brand)
        self.is_own = own_number_check(brand)
        self.to_db = db_datetime()
        self.contracts = dict(
            Customer.objects.filter(brand=brand).exclude(contract_code="").values_list("contract_code", "id")
        )

    def prepare(self, batch):
        values, seen = [], set()
        for line, row in batch:
            try:
                number = waybill_number(row.get("number")) or text(row, "number", required=True)
                if not self.is_own(number):
                    raise RowError(foreign_reason(number))
                if number in seen:
                    raise RowError(f"运单号在文件中重复：{number}")
                payment = PAYMENTS.get(text(row, "payment") or "寄付")
                if payment is None:
                    raise RowError(f"付款方式应为 寄付、到付 或 月结：{row.get('payment')}")
                contract = text(row, "contract_code")
                customer = self.contracts.get(contract) if contract else None
                if contract and customer is None:
                    raise RowError(f"未知的月结合同号：{contract}")
                if payment == Payment.MONTHLY and customer is None:
                    raise RowError("月结运单必须填写月结合同号")
                pieces_text = text(row, "pieces") or "1"
                if not pieces_text.isdigit() or not 1 <= int(pieces_text) < 100_000:
                    raise RowError(f"件数应为 1 到 99999 的整数：{pieces_text}")
                volume = decimal(row, "volume_cm3", required=False, digits=12)
                values.append(
                    (
                        self.brand.pk,
                        number,
                        text(row, "sender_name", max_length=50),
                        text(row, "sender_phone", max_length=20),
                        text(row, "sender_address"),
                        text(row, "recipient_name", max_length=50),
                        text(row, "recipient_phone", max_length=20),
                        text(row, "recipient_address"),
                        self.station(row, "origin"),
                        self.station(row, "destination"),
                        text(row, "item_name", max_length=100),
                        int(pieces_text),
                        money(decimal(row, "weight_kg", digits=7)),
                        None if volume is None else int(volume),
                        money(decimal(row, "declared_value", required=False)),
                        text(row, "insured").lower() in TRUE,
                        money(decimal(row, "freight")),
                        money(decimal(row, "insurance_fee", required=False)) or Decimal("0.00"),
                        payment,
                        customer,
                        self.to_db(moment(row, "shipped_at")),
                    )
                )
                seen.add(number)
            except RowError as exc:
                self.summary.reject(line, str(exc))
        return values


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_month(value: str) -> date:
    """The first day of a month written 2026-10 (a month that exists: 01–12, years 1901–2099)."""
    match = _MONTH.match(str(value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1901 <= int(match.group(1)) <= 2099:
        raise ServiceError(f"月份格式应为 2026-10：{value}", field="month")
    return date(int(match.group(1)), int(match.group(2)), 1)


class FeeImporter(Importer):
    table = FeeRecord._meta.db_table
    columns = ["brand_id", "number", "contract_code", "amount", "month", "source", "line"]
    conflict = "brand_id, source, line"

    def __init__(self, brand: Brand, fingerprint: str) -> None:
        super().__init__(brand)
        self.fingerprint = fingerprint

    def prepare(self, batch):
        values = []
        for line, row in batch:
            try:
                number = waybill_number(row.get("number")) or text(row, "number", required=True)
                contract = text(row, "contract_code", required=True)
                amount = money(decimal(row, "amount"))
                try:
                    month = parse_month(text(row, "month", required=True))
                except ServiceError as exc:
                    raise RowError(exc.message) from exc
                values.append((self.brand.pk, number, contract, amount, month, self.fingerprint, line))
            except RowError as exc:
                self.summary.reject(line, str(exc))
        return values
