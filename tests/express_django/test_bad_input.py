"""Bad input on the express forms and imports gets a Chinese answer beside its field and writes nothing.

Each case is a row of docs/RELIABILITY.md, 快递表单与导入."""

from decimal import Decimal
from pathlib import Path

import pytest

from kefu.errors import ServiceError
from kefu.express.models import Claim, PickupOrder, Scan, Settlement
from kefu.express.rules.divisions import STATIC_COPY, picker_json
from kefu.express.services import claim_advance, claim_file, import_file, pickup_create
from kefu.express.settlement import settle_month
from kefu.tickets.models import Ticket
from tests.conftest import at

NOW = "2026-10-08 10:00"
FORM = {
    "customer_name": "福清电子厂",
    "origin_province": "福建",
    "origin_city": "福州",
    "origin_district": "福清",
    "dest_province": "上海",
    "dest_city": "上海",
    "item_name": "电路板",
    "pieces": "1",
    "weight_kg": "2.3",
    "contact_name": "林经理",
    "phone": "059185550001",
    "address": "福清市音西街道 88 号",
}
DATA = {
    "customer_name": "福清电子厂",
    "origin": {"province": "福建", "city": "福州", "district": "福清"},
    "destination": {"province": "上海", "city": "上海"},
    "item_name": "电路板",
    "pieces": 1,
    "weight_kg": "2.3",
    "contact_name": "林经理",
    "phone": "059185550001",
    "address": "福建省福清市音西街道 88 号",
}

# (what is typed, the field it is shown beside, the answer)
FORM_CASES = [
    (
        {"phone": "123"},
        "phone",
        "不是有效的电话号码：123（手机号为 11 位，如 13800138000；固定电话请带区号，如 0591-85550001）",
    ),
    ({"phone": "85550001"}, "phone", "固定电话请加区号：85550001（如 0591-85550001）"),
    ({"origin_province": "火星"}, "origin_province", "没有这个省份：火星（请从列表中选择，如 福建省）"),
    ({"dest_city": "广州"}, "dest_city", "上海市没有广州"),
    ({"origin_district": "天河"}, "origin_district", "福州市没有天河（请从列表中选择区县）"),
    ({"pickup_time": "2020-05-01T09:00"}, "pickup_time", "约定取件时间 2020-05-01 09:00 已经过去"),
    ({"pickup_time": "2030-05-01T09:00"}, "pickup_time", "约定取件时间最多提前 30 天"),
    ({"weight_kg": "-1"}, "weight_kg", "重量应大于 0 公斤，收到 -1"),
    ({"weight_kg": "99999"}, "weight_kg", "重量不能超过 3000 公斤，收到 99999（大宗货物请转货运）"),
    ({"weight_kg": "abc"}, "weight_kg", "重量应为数字，收到“abc”"),
    ({"pieces": "0"}, "pieces", "件数应为 1–500 之间的整数，收到 0"),
    ({"pieces": "1.5"}, "pieces", "件数应为整数，收到“1.5”"),
    ({"length": "30", "width": "20"}, "length", "请填写长、宽、高三项，或都不填"),
    (
        {"length": "30", "width": "20", "height": "9000"},
        "length",
        "每件的长、宽、高应大于 0、不超过 300 厘米（最多一位小数），收到 9000",
    ),
]


@pytest.mark.parametrize(("typed", "field", "answer"), FORM_CASES)
def test_the_pickup_form_answers_beside_the_field_keeps_the_input_and_writes_nothing(
    net, cast, client, typed, field, answer
):
    # the page reads kefu's clock: 2020 is past and 2030 more than 30 days ahead at every clock the suite runs at
    client.force_login(cast.agent_b)
    page = client.post("/express/pickup/", {**FORM, **typed}).content.decode()
    assert answer in page
    # beside its field: the error sits inside the field's label, and what was typed is still there
    label = page[: page.index(answer)].rsplit("<label", 1)[1]
    assert f'name="{field}"' in label and "has-error" in label
    for value in typed.values():
        assert f'value="{value}"' in page
    assert not PickupOrder.objects.exists() and not Ticket.objects.exists()


SERVICE_CASES = [
    ({"phone": "123"}, "phone"),
    ({"origin": {"province": "火星"}}, "origin.province"),
    ({"pickup_time": "2020-05-01T09:00"}, "pickup_time"),
    ({"pickup_time": "2030-05-01T09:00"}, "pickup_time"),
    ({"weight_kg": "-1"}, "weight_kg"),
    ({"pieces": 100000}, "pieces"),
    ({"dimensions_cm": [30, 20, -1]}, "dimensions_cm"),
]


@pytest.mark.parametrize(("changes", "field"), SERVICE_CASES)
def test_the_service_refuses_the_same_input_for_the_api(net, cast, changes, field):
    with pytest.raises(ServiceError) as refused:
        pickup_create(brand=net.brand, data={**DATA, **changes}, actor=cast.agent_b, at=at(NOW))
    assert refused.value.field == field and refused.value.message.isascii() is False
    assert not PickupOrder.objects.exists() and not Ticket.objects.exists()


def test_a_refused_item_gets_no_quote_and_no_pickup_slot(net, cast, client):
    order = pickup_create(
        brand=net.brand, data={**DATA, "item_name": "烟花爆竹"}, actor=cast.agent_b, at=at(NOW)
    )
    assert order.status == PickupOrder.Status.REFUSED and order.ticket is None
    assert order.price is None and order.pickup_from is None and order.assessment["price"] is None
    client.force_login(cast.agent_b)
    page = client.post("/express/pickup/", {**FORM, "item_name": "烟花爆竹"}).content.decode()
    assert "不能受理" in page and REFUSED in page and "首重" not in page


def test_a_pickup_time_in_another_year_is_shown_with_its_year(net, cast):
    order = pickup_create(
        brand=net.brand,
        data={**DATA, "pickup_time": "2027-01-05T09:00"},
        actor=cast.agent_b,
        at=at("2026-12-20 10:00"),
    )
    assert "2027-01-05 09:00" in order.ticket.description


def test_places_are_stored_with_their_official_names(net, cast):
    order = pickup_create(brand=net.brand, data=DATA, actor=cast.agent_b, at=at(NOW))
    assert order.origin == "福建省福州市福清市" and order.destination == "上海市"


def test_the_pickers_static_copy_is_the_packages_data():
    assert STATIC_COPY.read_text(encoding="utf-8") == picker_json()


LOSS = {"claimant": {"name": "林经理", "role": "sender"}, "reason": "loss"}


CLAIM_CASES = [
    (
        "proposed",
        Decimal("1e30"),
        "金额不能超过规则允许的最高赔偿 512.00 元，收到 1000000000000000000000000000000 元",
    ),
    ("agreed", Decimal("-50"), "金额应大于 0 元，收到 -50"),
    ("proposed", Decimal("0"), "金额应大于 0 元，收到 0"),
    ("proposed", Decimal("10.001"), "金额最多两位小数（元、角、分），收到 10.001"),
    ("agreed", Decimal("512.01"), "金额不能超过规则允许的最高赔偿 512.00 元，收到 512.01 元"),
]
QUOTE = "引号没有配对（有一个引号未闭合），请检查这一行"
NUL = "含有不可见的控制字符（NUL），请检查这一行"
BINARY = "二进制.csv 不是文本文件（应为 UTF-8 或 GBK 编码的 CSV、JSON 或 JSON Lines）"
REFUSED = "不报价、不安排取件（不能受理的快件）"


@pytest.mark.parametrize(("to", "amount", "answer"), CLAIM_CASES)
def test_a_claim_amount_is_positive_to_the_fen_and_within_the_rules(net, cast, client, to, amount, answer):
    w = net.waybill("XTJ400000000001", insured=True, declared_value=Decimal("500.00"))
    claim = claim_file(brand=net.brand, waybill_number=w.number, claim=LOSS, actor=cast.agent_b, at=at(NOW))
    claim_advance(claim=claim, to="acknowledged", actor=cast.agent_b, at=at(NOW))
    if to == "agreed":
        claim_advance(claim=claim, to="proposed", actor=cast.agent_b, at=at(NOW))
    with pytest.raises(ServiceError) as refused:
        claim_advance(claim=claim, to=to, actor=cast.agent_b, amount=amount, at=at(NOW))
    assert answer in refused.value.message and refused.value.field == "amount"
    claim.refresh_from_db()
    assert claim.state != to
    client.force_login(cast.supervisor)
    assert client.get(f"/express/claims/?brand={net.brand.code}").status_code == 200
    assert Claim.objects.get().agreed_amount in (None, Decimal("512.00"))


MONTH_CASES = [
    ("2027-06", "2027-06 还没有到，不能月结"),
    ("2026-13", "月份格式应为 2026-10：2026-13"),
    ("0000-01", "月份格式应为 2026-10：0000-01"),
]


@pytest.mark.parametrize(("month", "answer"), MONTH_CASES)
def test_a_month_that_does_not_exist_or_has_not_begun_is_refused_beside_the_field(
    net, cast, client, month, answer
):
    client.force_login(cast.supervisor)
    page = client.post(f"/express/settlements/run/?brand={net.brand.code}", {"month": month})
    assert page.status_code == 200
    html = page.content.decode()
    assert answer in html and f'value="{month}"' in html and "has-error" in html
    assert not Settlement.objects.exists()
    if month == "2027-06":
        with pytest.raises(ServiceError, match="还没有到"):
            settle_month(brand=net.brand, month=at("2027-06-01 00:00").date(), at=at("2026-11-24 10:00"))


def _scans(tmp_path: Path, rows: list[str], name: str = "扫描.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(["运单号,扫描类型,扫描时间,站点", *rows]) + "\n", encoding="utf-8")
    return path


def _rows(net, n: int) -> list[str]:
    net.waybills((f"XTJ7{i:011d}" for i in range(1, n + 1)), shipped="2026-10-05 09:00")
    return [f"XTJ7{i:011d},收件,2026-10-05T10:00,FQ01" for i in range(1, n + 1)]


def test_an_unclosed_quote_is_refused_at_its_line_and_the_rows_after_it_are_stored(net, tmp_path):
    rows = _rows(net, 999)
    rows[8] = 'XTJ700000000009,"收件,2026-10-05T10:00,FQ01'  # line 10 of the file
    summary = import_file(brand=net.brand, kind="scans", path=_scans(tmp_path, rows))
    assert summary.rejected == [(10, QUOTE)]
    assert Scan.objects.count() == 998


def test_a_nul_is_refused_with_its_line_number_and_the_rest_is_stored(net, tmp_path):
    rows = _rows(net, 5)
    rows[2] = "XTJ700000000003,收件,2026-10-05T10:00,FQ\x0001"
    summary = import_file(brand=net.brand, kind="scans", path=_scans(tmp_path, rows))
    assert summary.rejected == [(4, NUL)]
    assert Scan.objects.count() == 4


def test_a_nul_inside_a_json_value_is_refused_by_its_line(net, tmp_path):
    _rows(net, 2)
    path = tmp_path / "扫描.jsonl"
    path.write_text(
        '{"number": "XTJ700000000001", "kind": "收件", "at": "2026-10-05T10:00", "station": "FQ01"}\n'
        '{"number": "XTJ700000000002", "kind": "收件", "at": "2026-10-05T10:00", "station": "FQ01", "note": "a\\u0000b"}\n',
        encoding="utf-8",
    )
    summary = import_file(brand=net.brand, kind="scans", path=path)
    assert summary.rejected == [(2, NUL)]
    assert Scan.objects.count() == 1


def test_a_binary_file_named_csv_is_refused_in_chinese_on_the_import_page(net, cast, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(cast.supervisor)
    upload = SimpleUploadedFile("二进制.csv", bytes(range(256)) * 40, content_type="text/csv")
    page = client.post(f"/express/imports/?brand={net.brand.code}", {"kind": "scans", "file": upload})
    assert (
        "二进制.csv 不是文本文件（应为 UTF-8 或 GBK 编码的 CSV、JSON 或 JSON Lines）" in page.content.decode()
    )
    with pytest.raises(ServiceError, match="不是文本文件"):
        path = Path(net.brand.code + ".csv")
        import_file(brand=net.brand, kind="scans", path=_binary(path))


def _binary(path: Path) -> Path:
    import tempfile

    folder = Path(tempfile.mkdtemp())
    target = folder / path.name
    target.write_bytes(bytes(range(256)) * 40)
    return target


def test_every_row_of_the_reliability_section_is_a_case_tested_here():
    """docs/RELIABILITY.md 快递表单与导入: each row's answer is one checked above, and each checked answer has a row."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "RELIABILITY.md").read_text(encoding="utf-8")
    section = text.split("## 快递表单与导入", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| ---")][
        1:
    ]
    answers = [
        *(a for _, _, a in FORM_CASES),
        *(a for _, _, a in CLAIM_CASES),
        *(a for _, a in MONTH_CASES),
        QUOTE,
        NUL,
        BINARY,
        REFUSED,
    ]
    for row in rows:
        answer = row.rsplit("|", 2)[1]
        assert any(a in answer for a in answers), row
    for a in answers:
        assert any(a in row.rsplit("|", 2)[1] for row in rows), a
    assert len(rows) == len(answers) + 1  # the NUL answer has two rows: CSV and JSON Lines
