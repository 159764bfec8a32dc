"""Monthly settlement (月结), seed 004_4ea5f35392de9aaf.txt 第五篇 二 (一).

For each contract customer and month: the statement of every 月结 waybill with its 收件 and 派件
totals, reconciled against the fees written on the face sheets (FeeRecord), listing every amount
that differs, every waybill missing on either side and every number written twice, and every freight
that is not what the tariff and the customer's negotiated discount make it (kefu/express/repricing.py);
statements are grouped by area (the origin station whose couriers collect). All comparisons are
set-based SQL, so a month of a million waybills settles in seconds (docs/PERFORMANCE.md).

收件 / 派件 follow the seed: 收件 are parcels other stations sent to the customer (the customer is the
recipient), 派件 are parcels our couriers collected from the customer to send elsewhere.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

from django.db import connection, transaction
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

from kefu.accounts import access
from kefu.brands.models import Brand
from kefu.customers.models import Customer
from kefu.errors import ServiceError
from kefu.express.imports import bulk_session
from kefu.express.models import Discrepancy, FeeRecord, Payment, Settlement, Statement, Station, Waybill
from kefu.express.repricing import charged_fen, expected_fen, pair_rates, tariff_check
from kefu.express.rules import InputError, RulebookError, default_rulebook
from kefu.express.rules.money import money
from kefu.express.rules.rulebook import Rulebook
from kefu.jobs.services import job_enqueue
from kefu.timeutil import local_now

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


class _Problems:
    """The month's discrepancies as plain rows, written with one executemany: tens of thousands of ORM
    objects cost seconds (docs/PERFORMANCE.md). Collected before the settlement is written, so a row names its
    statement by the customer's contract code until then."""

    COLUMNS = (
        "settlement_id",
        "statement_id",
        "kind",
        "number",
        "contract_code",
        "system_amount",
        "recorded_amount",
        "expected_amount",
        "detail",
    )

    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self.per_code: Counter = Counter()

    def add(self, kind: str, number: str, code: str, detail: str, system=None, recorded=None, expected=None):
        self.rows.append((kind, number, code, system, recorded, expected, detail))
        self.per_code[code] += 1

    def write(self, settlement: Settlement, statements: dict[str, Statement]) -> None:
        qn = connection.ops.quote_name
        columns = ", ".join(qn(c) for c in self.COLUMNS)
        marks = ", ".join(["%s"] * len(self.COLUMNS))
        ids = {code: statement.pk for code, statement in statements.items()}
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {qn(Discrepancy._meta.db_table)} ({columns}) VALUES ({marks})",
                [(settlement.pk, ids.get(row[2]), *row) for row in self.rows],
            )


def _statements(
    brand: Brand, month: date, groups: list[dict], stations: dict[int, Station]
) -> dict[str, Statement]:
    """Each contract customer's statement (not yet stored) from the (customer, origin, destination) groups
    of the month."""
    customers = Customer.objects.in_bulk({g["contract_customer_id"] for g in groups})
    recorded = dict(
        FeeRecord.objects.filter(brand=brand, month=month)
        .values("contract_code")
        .annotate(s=Sum("amount"))
        .values_list("contract_code", "s")
    )
    statements: dict[str, Statement] = {}
    areas: dict[str, Counter] = {}
    for g in groups:
        customer = customers[g["contract_customer_id"]]
        code = customer.contract_code
        statement = statements.setdefault(
            code,
            Statement(
                customer=customer,
                waybills=0,
                incoming_total=ZERO,
                total=ZERO,
                recorded_total=recorded.get(code) or ZERO,
            ),
        )
        statement.waybills += g["n"]
        # SQLite sums REAL values: round each group's sum back to fen
        statement.incoming_total += money(Decimal(g["incoming"]))
        statement.total += money(Decimal(g["total"]))
        areas.setdefault(code, Counter())[stations[g["origin_id"]].name] += g["n"]
    for code, statement in statements.items():
        statement.outgoing_total = statement.total - statement.incoming_total
        statement.area = areas[code].most_common(1)[0][0]
    return statements


def _reconcile_waybills(waybills, records, book: Rulebook, rates, problems: _Problems) -> None:
    """Every waybill against its face sheet and against the tariff; only the lines that differ are fetched.

    A missing face sheet compares as fee + 1, so that the WHERE clause looks each record up once; the
    SELECT looks it up again only for the lines fetched.
    """
    first_record = records.filter(number=OuterRef("number")).order_by("id").values("amount")[:1]
    flagged = (
        waybills.annotate(
            fee=_fee(),
            recorded=Subquery(first_record),
            recorded_or_not_fee=Coalesce(Subquery(first_record), F("fee") + Value(1), output_field=MONEY),
            charged=charged_fen(),
            expected=expected_fen(book),
        )
        .filter(~Q(recorded_or_not_fee=F("fee")) | ~Q(charged=F("expected")))
        .order_by()
        .values_list(
            "number",
            "contract_customer__contract_code",
            "fee",
            "recorded",
            "charged",
            "expected",
            "freight",
            "origin_id",
            "destination_id",
            "weight_kg",
            "volume_cm3",
            "contract_customer__contract_discount",
        )
    )
    for row in flagged.iterator(chunk_size=20000):
        number, code, fee, recorded, charged, expected = row[:6]
        if recorded is None:
            problems.add(
                Discrepancy.Kind.NOT_RECORDED, number, code, "系统有此运单，面单上没有记录", system=fee
            )
        elif Decimal(recorded) != Decimal(fee):
            detail = f"系统 {Decimal(fee):.2f} 元，面单 {Decimal(recorded):.2f} 元"
            problems.add(Discrepancy.Kind.AMOUNT, number, code, detail, system=fee, recorded=recorded)
        if charged != expected:
            freight, origin, destination, weight, volume, discount = row[6:]
            difference = tariff_check(
                rates[(origin, destination)],
                freight=Decimal(freight),
                weight_kg=Decimal(weight),
                volume_cm3=None if volume is None else Decimal(volume),
                discount=None if discount is None else Decimal(discount),
                book=book,
            )
            if difference is not None:
                problems.add(
                    Discrepancy.Kind.TARIFF,
                    number,
                    code,
                    difference.detail,
                    system=freight,
                    expected=difference.expected,
                )


def _reconcile_face_sheets(brand: Brand, records, problems: _Problems) -> None:
    """Face sheets with no waybill (漏记) and numbers written more than once."""
    known = Waybill.objects.filter(brand=brand, number=OuterRef("number"))
    for number, code, amount in records.filter(~Exists(known)).values_list(
        "number", "contract_code", "amount"
    ):
        problems.add(
            Discrepancy.Kind.NO_WAYBILL, number, code, "面单有记录，系统中没有此运单（漏记）", recorded=amount
        )
    for row in records.values("number", "contract_code").annotate(n=Count("id")).filter(n__gt=1):
        problems.add(
            Discrepancy.Kind.DUPLICATE, row["number"], row["contract_code"], f"面单上记录了 {row['n']} 次"
        )


def check_month(month: date, *, at: datetime | None = None) -> None:
    """A month is settled once it has begun (kefu's clock): a future month has no waybills to check, and a
    settlement of it would read 全部核对一致. The page, the API and `kefu settle` all come through here."""
    if month.replace(day=1) > local_now(at).date():
        raise ServiceError(f"{month:%Y-%m} 还没有到，不能月结", field="month")


def settle_month(
    *,
    brand: Brand,
    month: date,
    actor=None,
    progress: bool = False,
    at: datetime | None = None,
    rulebook: Rulebook | None = None,
    on_step: Callable[[int, int, str], None] | None = None,
) -> Settlement:
    """Settle (or settle again, replacing the earlier run) one month for every contract customer.
    ``actor`` is the person who asked (a supervisor of the brand); None is the operator's console.
    ``on_step(done, total, what)`` hears of each of the steps (the settlement job's progress bar)."""
    if actor is not None:
        access.require(actor, "express.settlement")
        access.require_brand(actor, brand)
    now = local_now(at)
    check_month(month, at=now)
    book = rulebook or default_rulebook()
    waybills = month_waybills(brand, month)
    records = FeeRecord.objects.filter(brand=brand, month=month)
    steps = _Steps(month, shown=progress, on_step=on_step)
    # Everything is read and compared first, outside a transaction (no write lock held: chats and imports
    # go on meanwhile); only the result is written, in one short transaction that replaces the month.
    bulk_session()
    # one pass gives each customer's totals, its area (the origin its parcels mostly leave from)
    # and the station pairs the tariff check prices
    groups = list(
        waybills.order_by()
        .values("contract_customer_id", "origin_id", "destination_id")
        .annotate(
            n=Count("id"),
            incoming=Coalesce(
                Sum(Case(When(_incoming(), then=_fee()), default=Value(ZERO), output_field=MONEY)),
                Value(ZERO),
                output_field=MONEY,
            ),
            total=Coalesce(Sum(_fee(), output_field=MONEY), Value(ZERO), output_field=MONEY),
        )
    )
    stations = Station.objects.in_bulk({g[k] for g in groups for k in ("origin_id", "destination_id")})
    steps.update()
    statements = _statements(brand, month, groups, stations)
    problems = _Problems()
    steps.update()
    pairs = {(g["origin_id"], g["destination_id"]) for g in groups}
    try:
        with pair_rates(pairs, stations, book) as rates:
            _reconcile_waybills(waybills, records, book, rates, problems)
    except (RulebookError, InputError) as exc:
        raise ServiceError(f"月结无法按价目表核对运费：{exc}", code="tariff") from exc
    steps.update()
    _reconcile_face_sheets(brand, records, problems)
    with transaction.atomic():
        steps.update()  # a job run whose lease another run has taken over stops here, before it writes
        Settlement.objects.filter(brand=brand, month=month).delete()
        settlement = Settlement.objects.create(
            brand=brand,
            month=month,
            created_at=now,
            waybills=sum(s.waybills for s in statements.values()),
            total=sum((s.total for s in statements.values()), ZERO),
            problems=len(problems.rows),
        )
        for code, statement in statements.items():
            statement.settlement, statement.problems = settlement, problems.per_code[code]
        Statement.objects.bulk_create(statements.values(), batch_size=2000)
        problems.write(settlement, statements)
    steps.close()
    return settlement


class _Steps:
    """The settlement's five steps, on the console (tqdm) and to the job's progress bar."""

    NAMES = ("汇总各客户运单", "生成对账单", "核对运单与面单、价目", "查找漏记与重复面单", "写入差异")

    def __init__(self, month: date, *, shown: bool, on_step: Callable[[int, int, str], None] | None) -> None:
        total = len(self.NAMES)
        self.bar = tqdm(
            total=total,
            desc=f"月结 {month:%Y-%m}",
            unit="步",
            file=sys.stderr,
            disable=not shown,
            leave=False,
        )
        self.on_step, self.done = on_step, 0
        self._tell()

    def _tell(self) -> None:
        if self.on_step is not None and self.done < len(self.NAMES):
            self.on_step(self.done, len(self.NAMES), self.NAMES[self.done])

    def update(self) -> None:
        self.bar.update()
        self.done += 1
        self._tell()

    def close(self) -> None:
        self.bar.close()


def settlement_queue(*, brand: Brand, month: date, actor, at: datetime | None = None):
    """Ask for a month's settlement: checked now (who asks, which month), run by a worker (kefu.jobs), so a
    long month neither holds the page nor dies with it. The settlement page shows its progress."""
    access.require(actor, "express.settlement")
    access.require_brand(actor, brand)
    check_month(month, at=at)
    return job_enqueue(
        kind="express.settle",
        args={"month": month.replace(day=1).isoformat()},
        brand=brand,
        actor=actor,
        at=at,
    )


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


def discrepancy_kinds(settlement: Settlement) -> list[tuple[str, str, int]]:
    """(kind, Chinese label, count) for every kind of discrepancy the month has."""
    counts = dict(settlement.discrepancies.values("kind").annotate(n=Count("id")).values_list("kind", "n"))
    return [(kind, label, counts[kind]) for kind, label in Discrepancy.Kind.choices if counts.get(kind)]


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
    header(diffs, "类型", "运单号", "合同号", "系统费用", "面单费用", "价目表运费", "差额", "说明")
    for d in settlement.discrepancies.order_by("kind", "number").iterator(chunk_size=5000):
        diffs.append(
            [
                d.get_kind_display(),
                d.number,
                d.contract_code,
                d.system_amount,
                d.recorded_amount,
                d.expected_amount,
                d.difference,
                d.detail,
            ]
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()
