"""Monthly settlement (月结), seed 004_4ea5f35392de9aaf.txt 第五篇 二 (一).

For each contract customer and month: the statement of every 月结 waybill with its 收件 and 派件
totals, reconciled against the fees written on the face sheets (FeeRecord), listing every amount
that differs, every waybill missing on either side and every number written twice; statements are
grouped by area (the origin station whose couriers collect). All sums are set-based SQL, so a month
of a million waybills settles in seconds (docs/PERFORMANCE.md).

收件 / 派件 follow the seed: 收件 are parcels other stations sent to the customer (the customer is the
recipient), 派件 are parcels our couriers collected from the customer to send elsewhere.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from tqdm import tqdm

from kefu.brands.models import Brand
from kefu.customers.models import Customer
from kefu.express.imports import bulk_session
from kefu.express.models import Discrepancy, FeeRecord, Payment, Settlement, Statement, Waybill

SH = ZoneInfo("Asia/Shanghai")
ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)


def month_range(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=SH)
    end = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=SH)
    return start, end


def month_waybills(brand: Brand, month: date):
    start, end = month_range(month)
    return Waybill.objects.filter(
        brand=brand, payment=Payment.MONTHLY, shipped_at__gte=start, shipped_at__lt=end
    )


def _fee():
    return ExpressionWrapper(F("freight") + F("insurance_fee"), output_field=MONEY)


def _incoming() -> Q:
    return Q(recipient_phone=F("contract_customer__phone"))


def settle_month(
    *, brand: Brand, month: date, progress: bool = False, at: datetime | None = None
) -> Settlement:
    """Settle (or settle again, replacing the earlier run) one month for every contract customer."""
    now = timezone.localtime(at or timezone.now())
    waybills = month_waybills(brand, month)
    records = FeeRecord.objects.filter(brand=brand, month=month)
    steps = tqdm(
        total=6, desc=f"月结 {month:%Y-%m}", unit="步", file=sys.stderr, disable=not progress, leave=False
    )
    with transaction.atomic():
        bulk_session()
        Settlement.objects.filter(brand=brand, month=month).delete()
        settlement = Settlement.objects.create(brand=brand, month=month, created_at=now)

        totals = list(
            waybills.values("contract_customer_id").annotate(
                n=Count("id"),
                incoming=Coalesce(
                    Sum(Case(When(_incoming(), then=_fee()), default=Value(ZERO), output_field=MONEY)),
                    Value(ZERO),
                    output_field=MONEY,
                ),
                total=Coalesce(Sum(_fee(), output_field=MONEY), Value(ZERO), output_field=MONEY),
            )
        )
        steps.update()
        areas: dict[int, Counter] = {}
        for row in waybills.values("contract_customer_id", "origin__name").annotate(n=Count("id")):
            areas.setdefault(row["contract_customer_id"], Counter())[row["origin__name"]] += row["n"]
        customers = Customer.objects.in_bulk([row["contract_customer_id"] for row in totals])
        recorded = dict(
            records.values("contract_code").annotate(s=Sum("amount")).values_list("contract_code", "s")
        )
        steps.update()

        statements: dict[str, Statement] = {}
        for row in totals:
            customer = customers[row["contract_customer_id"]]
            total, incoming = Decimal(row["total"]), Decimal(row["incoming"])
            statements[customer.contract_code] = Statement(
                settlement=settlement,
                customer=customer,
                area=areas[customer.pk].most_common(1)[0][0],
                waybills=row["n"],
                incoming_total=incoming,
                outgoing_total=total - incoming,
                total=total,
                recorded_total=recorded.get(customer.contract_code) or ZERO,
            )
        Statement.objects.bulk_create(statements.values())
        steps.update()

        problems: list[Discrepancy] = []

        def add(
            kind: str, number: str, code: str, system=None, recorded_amount=None, detail: str = ""
        ) -> None:
            problems.append(
                Discrepancy(
                    settlement=settlement,
                    statement=statements.get(code),
                    kind=kind,
                    number=number,
                    contract_code=code,
                    system_amount=system,
                    recorded_amount=recorded_amount,
                    detail=detail,
                )
            )

        first_record = records.filter(number=OuterRef("number")).order_by("id").values("amount")[:1]
        # compare in SQL and fetch only the lines that do not reconcile
        with_record = (
            waybills.annotate(recorded=Subquery(first_record), fee=_fee())
            .filter(Q(recorded__isnull=True) | ~Q(recorded=F("fee")))
            .values_list("number", "contract_customer__contract_code", "fee", "recorded")
        )
        for number, code, fee, recorded_amount in with_record.iterator(chunk_size=20000):
            if recorded_amount is None:
                add(
                    Discrepancy.Kind.NOT_RECORDED,
                    number,
                    code,
                    system=fee,
                    detail="系统有此运单，面单上没有记录",
                )
            elif Decimal(recorded_amount) != Decimal(fee):
                add(
                    Discrepancy.Kind.AMOUNT,
                    number,
                    code,
                    system=fee,
                    recorded_amount=recorded_amount,
                    detail=f"系统 {Decimal(fee):.2f} 元，面单 {Decimal(recorded_amount):.2f} 元",
                )
        steps.update()

        known = Waybill.objects.filter(brand=brand, number=OuterRef("number"))
        for number, code, amount in records.filter(~Exists(known)).values_list(
            "number", "contract_code", "amount"
        ):
            add(
                Discrepancy.Kind.NO_WAYBILL,
                number,
                code,
                recorded_amount=amount,
                detail="面单有记录，系统中没有此运单（漏记）",
            )
        for row in records.values("number", "contract_code").annotate(n=Count("id")).filter(n__gt=1):
            add(
                Discrepancy.Kind.DUPLICATE,
                row["number"],
                row["contract_code"],
                detail=f"面单上记录了 {row['n']} 次",
            )
        steps.update()

        Discrepancy.objects.bulk_create(problems, batch_size=5000)
        per_code = Counter(p.contract_code for p in problems)
        for code, statement in statements.items():
            if per_code[code]:
                statement.problems = per_code[code]
        Statement.objects.bulk_update(
            [s for s in statements.values() if s.problems], ["problems"], batch_size=2000
        )
        settlement.waybills = sum(s.waybills for s in statements.values())
        settlement.total = sum((s.total for s in statements.values()), ZERO)
        settlement.problems = len(problems)
        settlement.save(update_fields=["waybills", "total", "problems"])
        steps.update()
    steps.close()
    return settlement


# ---------------------------------------------------------------- reading and export


def statement_lines(statement: Statement):
    """Every waybill of a statement, oldest first, with its side (收件/派件) and fee."""
    month = statement.settlement.month
    return (
        month_waybills(statement.settlement.brand, month)
        .filter(contract_customer=statement.customer)
        .annotate(fee=_fee(), incoming=Case(When(_incoming(), then=Value(True)), default=Value(False)))
        .select_related("origin", "destination")
        .order_by("shipped_at", "number")
    )


def statements_by_area(settlement: Settlement) -> list[tuple[str, list[Statement]]]:
    groups: dict[str, list[Statement]] = {}
    for statement in settlement.statements.select_related("customer").order_by("area", "customer__name"):
        groups.setdefault(statement.area, []).append(statement)
    return list(groups.items())


def settlement_xlsx(settlement: Settlement, *, lines_limit: int = 100_000) -> bytes:
    """The month as an Excel workbook: 汇总 by area, every statement line, every discrepancy."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(sheet, *titles):
        from openpyxl.cell import WriteOnlyCell

        cells = []
        for title in titles:
            cell = WriteOnlyCell(sheet, value=title)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)

    summary = book.create_sheet("汇总")
    header(
        summary,
        "区域",
        "月结客户",
        "合同号",
        "运单数",
        "收件费用",
        "派件费用",
        "合计",
        "面单记录合计",
        "差异条数",
    )
    for area, statements in statements_by_area(settlement):
        for s in statements:
            summary.append(
                [
                    area,
                    s.customer.company or s.customer.name,
                    s.customer.contract_code,
                    s.waybills,
                    s.incoming_total,
                    s.outgoing_total,
                    s.total,
                    s.recorded_total,
                    s.problems,
                ]
            )
    lines = book.create_sheet("明细")
    header(
        lines, "合同号", "月结客户", "运单号", "收寄时间", "类别", "始发站", "目的站", "件数", "重量", "费用"
    )
    written = 0
    for statement in settlement.statements.select_related("customer", "settlement__brand"):
        for w in statement_lines(statement).iterator(chunk_size=5000):
            if written >= lines_limit:
                break
            lines.append(
                [
                    statement.customer.contract_code,
                    statement.customer.company or statement.customer.name,
                    w.number,
                    timezone.localtime(w.shipped_at).strftime("%Y-%m-%d %H:%M"),
                    "收件" if w.incoming else "派件",
                    w.origin.name,
                    w.destination.name,
                    w.pieces,
                    w.weight_kg,
                    w.fee,
                ]
            )
            written += 1
    diffs = book.create_sheet("差异")
    header(diffs, "类型", "运单号", "合同号", "系统费用", "面单费用", "说明")
    for d in settlement.discrepancies.order_by("kind", "number").iterator(chunk_size=5000):
        diffs.append(
            [d.get_kind_display(), d.number, d.contract_code, d.system_amount, d.recorded_amount, d.detail]
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()
