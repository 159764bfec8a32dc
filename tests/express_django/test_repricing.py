"""Settlement re-prices every 月结 waybill from the tariff and lists freight that does not match it."""

from decimal import Decimal
from io import BytesIO
from itertools import product

import pytest
from django.core.management import call_command
from django.db import transaction
from openpyxl import load_workbook

from kefu.customers.services import customer_create
from kefu.errors import ServiceError
from kefu.express.models import Settlement, Station, Waybill
from kefu.express.repricing import expected_fen, pair_rates
from kefu.express.rules import contract_price, default_rulebook, rate_between
from kefu.express.rules.tariff import price
from kefu.express.selectors import place_of
from kefu.express.settlement import settle_month, settlement_xlsx
from tests.conftest import at
from tests.express_django.test_settlement import record

OCTOBER = at("2026-10-01 00:00").date()


def monthly(net, number, freight, *, customer=None, **extra):
    """A 月结 waybill (福清→上海 邻近 unless told) whose face sheet agrees with it."""
    customer = customer or net.contract
    waybill = net.waybill(number, payment="monthly", customer=customer, freight=freight, **extra)
    record(net, number, freight, code=customer.contract_code)
    return waybill


def contract(net, code, discount, phone):
    customer = customer_create(brand=net.brand, name=f"客户{code}", phone=phone, company=f"公司{code}")
    customer.contract_code, customer.contract_discount = code, discount
    customer.save()
    return customer


def test_a_mispriced_waybill_is_listed_with_expected_and_recorded_amounts(net):
    monthly(net, "XTJ700000000001", "12.00")  # 邻近, 1 kg: the tariff says 12.00
    monthly(net, "XTJ700000000002", "15.00")
    settlement = settle_month(brand=net.brand, month=OCTOBER)
    found = list(settlement.discrepancies.all())
    assert [(d.kind, d.number) for d in found] == [("tariff", "XTJ700000000002")]
    off = found[0]
    assert (off.system_amount, off.expected_amount, off.difference) == (
        Decimal("15.00"),
        Decimal("12.00"),
        Decimal("3.00"),
    )
    assert off.detail == "价目表 12.00 元（邻近，计费重量 1.0 公斤），运单运费 15.00 元，多收 3.00 元"
    assert off.statement == settlement.statements.get() and off.statement.problems == 1


def test_undercharged_freight_and_the_volumetric_weight(net):
    # 24000 cm³ weighs 3 kg by volume: 12.00 + 2 × 5.00
    monthly(net, "XTJ700000000003", "22.00", volume_cm3=Decimal(24000))
    monthly(net, "XTJ700000000004", "12.00", volume_cm3=Decimal(24000))
    off = settle_month(brand=net.brand, month=OCTOBER).discrepancies.get()
    assert off.number == "XTJ700000000004" and off.expected_amount == Decimal("22.00")
    assert "计费重量 3.0 公斤" in off.detail and off.detail.endswith("少收 10.00 元")


def test_a_contract_discount_is_applied_before_comparing(net):
    net.contract.contract_discount = Decimal("0.85")
    net.contract.save()
    monthly(net, "XTJ700000000005", "10.20")  # 12.00 × 0.85
    monthly(net, "XTJ700000000006", "12.00")  # the list price, without the negotiated discount
    off = settle_month(brand=net.brand, month=OCTOBER).discrepancies.get()
    assert (off.number, off.expected_amount) == ("XTJ700000000006", Decimal("10.20"))
    assert "合同折扣 0.85" in off.detail


def test_stations_are_zoned_by_province_and_city(net):
    same_city = Station.objects.create(
        brand=net.brand, code="FZ02", name="福州鼓楼站", province="福建省", city="福州市"
    )
    lhasa = Station.objects.create(brand=net.brand, code="LS01", name="拉萨站", province="西藏", city="拉萨")
    monthly(net, "XTJ700000000007", "8.00", dest=same_city)  # 同城
    monthly(net, "XTJ700000000008", "10.00", dest=net.xm)  # 省内
    monthly(net, "XTJ700000000009", "22.00", dest=lhasa)  # 偏远
    assert not settle_month(brand=net.brand, month=OCTOBER).discrepancies.exists()


WEIGHTS = ["0.01", "0.29", "0.30", "0.31", "0.49", "0.50", "0.51", "1.00", "1.01", "2.49", "29.99", "123.45"]
VOLUMES = [None, 1, 3999, 4000, 4001, 24000, 123457]
DISCOUNTS = [None, Decimal("0.85"), Decimal("0.8333"), Decimal("1")]


@pytest.fixture(
    params=[
        {},
        # half-fen charges, a step the first weight is not a multiple of, another divisor
        {
            "rates": {"neighbouring": {"additional_per_kg": "3.33"}, "remote": {"first_weight_kg": "0.5"}},
            "chargeable_weight": {"round_up_step_kg": "0.3", "volumetric_divisor": 6000},
        },
    ],
    ids=["shipped", "overridden"],
)
def book(request):
    return (
        default_rulebook().with_overrides({"tariff": request.param}) if request.param else default_rulebook()
    )


@pytest.fixture
def grid(net, book):
    """Waybills over rounding edges of weight, volume and discount in four zones, each priced by the pure rule."""
    lhasa = Station.objects.create(brand=net.brand, code="LS01", name="拉萨站", province="西藏", city="拉萨")
    same_city = Station.objects.create(
        brand=net.brand, code="FZ02", name="福州鼓楼站", province="福建", city="福州"
    )
    customers = [contract(net, f"YJ-G{i}", d, f"0591000000{i}") for i, d in enumerate(DISCOUNTS)]
    waybills, prices = [], {}
    for i, (dest, weight, volume) in enumerate(product([same_city, net.xm, net.sh, lhasa], WEIGHTS, VOLUMES)):
        customer = customers[i % len(customers)]
        rate = rate_between(place_of(net.fq), place_of(dest), book)
        volume = None if volume is None else Decimal(volume)
        total = price(rate, Decimal(weight), volume, book).total
        expected = contract_price(total, customer.contract_discount)
        number = f"XTJ8{i:011d}"
        prices[number] = expected
        waybills.append(
            Waybill(
                brand=net.brand,
                number=number,
                origin=net.fq,
                destination=dest,
                weight_kg=Decimal(weight),
                volume_cm3=volume,
                freight=expected + (Decimal("0.01") if i % 2 else 0),  # every other one off by a fen
                payment="monthly",
                contract_customer=customer,
                shipped_at=at("2026-10-10 10:00"),
            )
        )
    Waybill.objects.bulk_create(waybills)
    return prices


def test_the_database_prices_every_waybill_as_the_pure_rule_does(net, book, grid):
    stations = {s.pk: s for s in Station.objects.all()}
    pairs = set(Waybill.objects.values_list("origin_id", "destination_id"))
    with transaction.atomic(), pair_rates(pairs, stations, book):
        in_fen = dict(Waybill.objects.annotate(e=expected_fen(book)).values_list("number", "e"))
    assert in_fen == {number: int(expected * 100) for number, expected in grid.items()}


def test_every_waybill_off_by_a_fen_is_listed_and_no_other(net, book, grid):
    settlement = settle_month(brand=net.brand, month=OCTOBER, rulebook=book)
    listed = {d.number: d.expected_amount for d in settlement.discrepancies.filter(kind="tariff")}
    assert listed == {number: expected for i, (number, expected) in enumerate(grid.items()) if i % 2}


def test_pages_and_excel_show_the_tariff_discrepancy(net, cast, client):
    monthly(net, "XTJ700000000002", "15.00")
    settlement = settle_month(brand=net.brand, month=OCTOBER)
    client.force_login(cast.supervisor)  # 月结 is for supervisors (access: express.settlement)
    page = client.get("/express/settlements/2026-10/?kind=tariff").content.decode()
    assert "运费与价目表不符 1" in page and "价目表运费" in page and "+3.00" in page
    statement = settlement.statements.get()
    printable = client.get(f"/express/statements/{statement.pk}/").content.decode()
    assert "运费与价目表不符" in printable and "12.00" in printable
    rows = list(load_workbook(BytesIO(settlement_xlsx(settlement)))["差异"].values)
    assert rows[0][5:7] == ("价目表运费", "差额")
    assert rows[1][:2] == ("运费与价目表不符", "XTJ700000000002")
    assert [Decimal(str(v)) for v in rows[1][3:7:2]] == [Decimal(15), Decimal(12)]
    assert Decimal(str(rows[1][6])) == Decimal(3)


def test_a_tariff_the_database_cannot_price_exactly_stops_the_month_with_a_reason(net):
    monthly(net, "XTJ700000000001", "12.00")
    book = default_rulebook().with_overrides({"tariff": {"chargeable_weight": {"round_up_step_kg": "0.005"}}})
    with pytest.raises(ServiceError) as error:
        settle_month(brand=net.brand, month=OCTOBER, rulebook=book)
    assert error.value.message == "月结无法按价目表核对运费：价目表的计费重量进位（0.005）不是 0.01 的整数倍"
    assert not Settlement.objects.exists(), "nothing half-written"


def test_the_settle_command_counts_each_kind(net, capsys):
    monthly(net, "XTJ700000000002", "15.00")
    call_command("settle", "--month", "2026-10", "--no-progress")
    assert "差异 1 条（运费与价目表不符 1）。" in capsys.readouterr().out
