"""Monthly settlement: totals per contract customer, reconciliation against face-sheet fees, export."""

from decimal import Decimal
from io import BytesIO

from django.core.management import call_command
from openpyxl import load_workbook

from kefu.express.models import FeeRecord
from kefu.express.settlement import settle_month, settlement_xlsx, statement_lines
from tests.conftest import at


def record(net, number, amount, *, code="YJ-001", line=None):
    return FeeRecord.objects.create(
        brand=net.brand,
        number=number,
        contract_code=code,
        amount=Decimal(amount),
        month=at("2026-10-01 00:00").date(),
        source="test",
        line=line or FeeRecord.objects.count() + 1,
    )


def month_setup(net):
    """Four 月结 waybills of October, every freight as the tariff prices it (福建→上海 邻近, 福建省内)."""
    c = net.contract
    net.waybill(
        "XTJ600000000001", payment="monthly", customer=c, freight="12.00", insurance_fee=Decimal("3.00")
    )
    net.waybill(
        "XTJ600000000002",
        payment="monthly",
        customer=c,
        freight="22.00",  # 邻近 12.00 + 2 kg × 5.00 (2.6 kg charged as 3.0)
        weight_kg=Decimal("2.60"),
        shipped="2026-10-31 23:00",
    )
    net.waybill(
        "XTJ600000000003",
        payment="monthly",
        customer=c,
        freight="10.00",
        recipient_phone=c.phone,
        origin=net.xm,
        dest=net.fq,
    )
    net.waybill("XTJ600000000004", payment="monthly", customer=c, freight="10.00", dest=net.xm)
    net.waybill("XTJ600000000009", payment="monthly", customer=c, freight="99.00", shipped="2026-11-01 00:00")
    net.waybill("XTJ600000000010", freight="99.00")  # 寄付: not in any statement
    record(net, "XTJ600000000001", "15.00")
    record(net, "XTJ600000000002", "18.00")  # differs
    record(net, "XTJ600000000003", "10.00")
    record(net, "XTJ600000000003", "10.00")  # written twice
    record(net, "XTJ600000000005", "6.00")  # no such waybill: 漏记
    # XTJ600000000004 has no face-sheet record


def test_a_month_totals_receiving_and_sending_and_lists_every_discrepancy(net):
    month_setup(net)
    settlement = settle_month(brand=net.brand, month=at("2026-10-01 00:00").date())
    statement = settlement.statements.get()
    assert statement.waybills == 4 and statement.area == "福清站"
    assert statement.incoming_total == Decimal("10.00") and statement.outgoing_total == Decimal("47.00")
    assert statement.total == Decimal("57.00") and statement.recorded_total == Decimal("59.00")
    found = sorted((d.kind, d.number) for d in settlement.discrepancies.all())
    assert found == [
        ("amount", "XTJ600000000002"),
        ("duplicate", "XTJ600000000003"),
        ("no_waybill", "XTJ600000000005"),
        ("not_recorded", "XTJ600000000004"),
    ]
    assert statement.problems == 4 and settlement.problems == 4
    lines = list(statement_lines(statement))
    assert [w.number for w in lines][-1] == "XTJ600000000002"
    assert [w.incoming for w in lines].count(True) == 1


def test_settling_again_replaces_the_earlier_run(net):
    month_setup(net)
    month = at("2026-10-01 00:00").date()
    settle_month(brand=net.brand, month=month)
    again = settle_month(brand=net.brand, month=month)
    assert again.statements.count() == 1 and again.discrepancies.count() == 4


def test_excel_export_has_summary_lines_and_discrepancies(net):
    month_setup(net)
    settlement = settle_month(brand=net.brand, month=at("2026-10-01 00:00").date())
    book = load_workbook(BytesIO(settlement_xlsx(settlement)))
    assert book.sheetnames == ["汇总", "明细", "差异"]
    summary = list(book["汇总"].values)
    assert summary[1][:3] == ("福清站", "福清电子厂", "YJ-001") and Decimal(str(summary[1][6])) == Decimal(
        "57"
    )
    assert len(list(book["明细"].values)) == 5 and len(list(book["差异"].values)) == 5


def test_settle_command_reports_the_month(net, capsys, tmp_path):
    month_setup(net)
    call_command("settle", "--month", "2026-10", "--no-progress", "--xlsx", str(tmp_path / "m.xlsx"))
    out = capsys.readouterr().out
    assert "2026-10 月结完成：1 个月结客户，4 票运单，合计 57.00 元，差异 4 条" in out
    assert (tmp_path / "m.xlsx").stat().st_size > 0
