"""Importing waybills and scans: bad rows are listed with line and reason, a re-import stores nothing twice."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from kefu.express.models import FeeRecord, Scan, Waybill
from kefu.express.services import import_file, scans_push
from kefu.timeutil import local_now

WAYBILLS = """运单号,寄件人,寄件人电话,始发站,目的站,品名,件数,重量,运费,付款方式,月结合同号,收寄时间
XTJ100000000001,王小明,13800138000,FQ01,SH01,衣服,1,1.2,12.00,寄付,,2026-10-05 09:00
XTJ100000000002,福清电子厂,059185550001,FQ01,XM01,电路板,2,3.5,18.00,月结,YJ-001,2026-10-06 10:00
SF1234567890123,李四,13900000000,FQ01,SH01,书,1,1,12.00,寄付,,2026-10-06 11:00
XTJ100000000003,赵六,13900000001,ZZ99,SH01,书,1,1,12.00,寄付,,2026-10-06 11:00
XTJ100000000004,钱七,13900000002,FQ01,SH01,书,1,abc,12.00,寄付,,2026-10-06 11:00
XTJ100000000005,孙八,13900000003,FQ01,SH01,书,1,1,12.00,月结,,2026-10-06 11:00
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_waybill_rows_are_listed_with_line_and_reason_and_the_rest_is_stored(net, tmp_path):
    summary = import_file(brand=net.brand, kind="waybills", path=write(tmp_path, "w.csv", WAYBILLS))
    assert (summary.read, summary.stored, summary.rejected_count) == (6, 2, 4)
    reasons = dict(summary.rejected)
    assert "同行单号" in reasons[4] and "顺丰速运" in reasons[4]
    assert "未知站点：ZZ99" in reasons[5]
    assert "重量" in reasons[6] and "abc" in reasons[6]
    assert "月结运单必须填写月结合同号" in reasons[7]
    monthly = Waybill.objects.get(number="XTJ100000000002")
    assert monthly.contract_customer == net.contract and monthly.get_payment_display() == "月结"


def test_importing_the_same_waybill_file_twice_stores_nothing_twice(net, tmp_path):
    path = write(tmp_path, "w.csv", WAYBILLS)
    import_file(brand=net.brand, kind="waybills", path=path)
    again = import_file(brand=net.brand, kind="waybills", path=path)
    assert (again.stored, again.skipped) == (0, 2)
    assert Waybill.objects.count() == 2


def test_scans_from_json_lines_and_array_with_bad_rows_and_reimport(net, tmp_path):
    net.waybill("XTJ200000000001")
    rows = [
        {"number": "XTJ200000000001", "kind": "收件", "at": "2026-10-05 10:00", "station": "FQ01"},
        {
            "number": "XTJ200000000001",
            "kind": "發出",
            "at": "2026-10-05 18:00",
            "station": "FQ01",
            "next_station": "SH01",
        },
        {"number": "XTJ299999999999", "kind": "到达", "at": "2026-10-06 08:00", "station": "SH01"},
        {"number": "XTJ200000000001", "kind": "丢了", "at": "2026-10-06 08:00", "station": "SH01"},
        {"number": "XTJ200000000001", "kind": "到达", "at": "昨天", "station": "SH01"},
    ]
    lines = write(
        tmp_path, "s.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{broken\n"
    )
    summary = import_file(brand=net.brand, kind="scans", path=lines)
    assert (summary.read, summary.stored, summary.rejected_count) == (6, 2, 4)
    reasons = dict(summary.rejected)
    assert reasons[3] == "运单不存在：XTJ299999999999"
    assert "未知的扫描类型：丢了" in reasons[4]
    assert "扫描时间格式不正确" in reasons[5]
    assert reasons[6] == "无法解析这一行"
    # the same scans again, now as one JSON array: nothing stored twice
    array = write(tmp_path, "s.json", json.dumps(rows[:2], ensure_ascii=False, indent=1))
    again = import_file(brand=net.brand, kind="scans", path=array)
    assert (again.read, again.stored, again.skipped) == (2, 0, 2)
    assert list(Scan.objects.values_list("kind", flat=True)) == ["收件", "发出"]


def test_the_database_itself_refuses_an_unknown_scan_kind_and_numbers_scans_in_order(net):
    waybill = net.waybill("XTJ200000000002")
    station = net.brand.stations.get(code="FQ01")
    first = Scan.objects.create(waybill=waybill, kind="收件", at=local_now(), station=station)
    second = Scan.objects.create(waybill=waybill, kind="发出", at=local_now(), station=station)
    assert second.pk > first.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Scan.objects.create(waybill=waybill, kind="丢了", at=local_now(), station=station)


def test_an_other_carriers_number_in_a_scan_is_named_as_such(net):
    summary = scans_push(
        brand=net.brand,
        rows=[{"number": "SF1234567890123", "kind": "到达", "at": "2026-10-06 08:00", "station": "SH01"}],
    )
    assert summary.rejected[0][1].startswith("同行单号") and "顺丰速运" in summary.rejected[0][1]


def test_fee_records_reimport_keeps_real_duplicates_once_each(net, tmp_path):
    text = "number,contract_code,amount,month\nXTJ1,YJ-001,10,2026-10\nXTJ1,YJ-001,10,2026-10\nXTJ2,YJ-001,x,2026-10\n"
    path = write(tmp_path, "f.csv", text)
    first = import_file(brand=net.brand, kind="fees", path=path)
    second = import_file(brand=net.brand, kind="fees", path=path)
    assert (first.stored, first.rejected_count, second.stored) == (2, 1, 0)
    assert FeeRecord.objects.count() == 2


def test_import_command_prints_the_summary_and_rejects_a_missing_file(net, tmp_path, capsys):
    call_command(
        "import_waybills", str(write(tmp_path, "w.csv", WAYBILLS)), "--brand", "xintianjie", "--no-progress"
    )
    out = capsys.readouterr().out
    assert "读取 6 行，新存入 2 行" in out and "第 4 行：同行单号" in out
    with pytest.raises(CommandError) as refused:
        call_command("import_scans", str(tmp_path / "nope.csv"), "--no-progress")
    assert refused.value.returncode == 2
    assert str(refused.value) == f"找不到文件：{tmp_path / 'nope.csv'}"


def test_scan_push_api_stores_a_batch_and_needs_a_token(net, api_b, client):
    net.waybill("XTJ200000000009")
    body = {
        "brand": "xintianjie",
        "scans": [
            {
                "number": "XTJ200000000009",
                "kind": "到达",
                "at": "2026-10-06T08:00:00+08:00",
                "station": "SH01",
            },
            {
                "number": "XTJ200000000009",
                "kind": "到达",
                "at": "2026-10-06T08:00:00+08:00",
                "station": "NOPE",
            },
        ],
    }
    reply = api_b.post("/express/scans", body)
    assert reply.status_code == 200, reply.content
    assert reply.json()["stored"] == 1 and reply.json()["rejected"] == [
        {"line": 2, "reason": "未知站点：NOPE"}
    ]
    assert api_b.post("/express/scans", body).json()["stored"] == 0
    assert client.post("/api/express/scans", body, content_type="application/json").status_code == 401


def test_a_csv_saved_by_chinese_excel_in_gbk_is_read(net, tmp_path):
    net.waybill("XTJ200000000003")
    path = tmp_path / "扫描.csv"
    path.write_bytes(
        "运单号,扫描类型,扫描时间,站点\nXTJ200000000003,到达,2026-10-06 08:00,SH01\n".encode("gbk")
    )
    summary = import_file(brand=net.brand, kind="scans", path=path)
    assert (summary.read, summary.stored, summary.rejected_count) == (1, 1, 0)
    assert Scan.objects.get().kind == "到达"


def test_a_pushed_scan_with_a_list_for_a_station_is_rejected_not_fatal(net):
    net.waybill("XTJ200000000004")
    summary = scans_push(
        brand=net.brand,
        rows=[
            {"number": "XTJ200000000004", "kind": "到达", "at": "2026-10-06 08:00", "station": ["SH01"]},
            {"number": "XTJ200000000004", "kind": "到达", "at": "2026-10-06 08:00", "station": "SH01"},
        ],
    )
    assert (summary.stored, summary.rejected_count) == (1, 1)
    assert summary.rejected[0] == (1, "未知站点：['SH01']")


def test_numbers_too_large_for_their_column_are_rejected_by_line(net, tmp_path):
    text = (
        WAYBILLS.splitlines()[0]
        + "\n"
        + "\n".join(
            [
                "XTJ100000000011,王小明,13800138000,FQ01,SH01,衣服,1,123456789,12.00,寄付,,2026-10-05 09:00",
                "XTJ100000000012,王小明,13800138000,FQ01,SH01,衣服,1,1.2,99999999999,寄付,,2026-10-05 09:00",
                "XTJ100000000013,王小明,13800138000,FQ01,SH01,衣服,100000,1.2,12.00,寄付,,2026-10-05 09:00",
                "XTJ100000000014,王小明,13800138000,FQ01,SH01,衣服,1,1.2,12.00,寄付,,2026-10-05 09:00",
            ]
        )
    )
    summary = import_file(brand=net.brand, kind="waybills", path=write(tmp_path, "w.csv", text + "\n"))
    assert (summary.stored, summary.rejected_count) == (1, 3)
    reasons = dict(summary.rejected)
    assert reasons[2] == "重量过大：123456789" and reasons[3] == "运费过大：99999999999"
    assert "件数应为 1 到 99999 的整数" in reasons[4]


@pytest.mark.django_db(transaction=True)
def test_scans_pushed_while_an_import_writes_are_not_counted_as_its_rows(net, tmp_path, monkeypatch):
    """The importer counts what its own statements stored: a sorting center's push committed in the middle
    of an import's batch (PostgreSQL), or queued behind it (SQLite), is not one of the import's rows."""
    import threading

    from django.db import connection

    from kefu.express.imports import base

    net.waybill("XTJ300000000001")
    net.waybill("XTJ300000000002")
    monkeypatch.setattr(base, "BATCH", 2)  # three batches, a push during each
    hours = [f"2026-10-05 {h:02d}:00" for h in range(8, 14)]
    rows = [{"number": "XTJ300000000001", "kind": "到达", "at": t, "station": "SH01"} for t in hours]
    path = write(tmp_path, "s.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in rows))
    pushers: list[threading.Thread] = []
    pushed: list[int] = []

    def push(n: int) -> None:
        try:
            row = {"number": "XTJ300000000002", "kind": "派送", "at": hours[n], "station": "SH01"}
            pushed.append(scans_push(brand=net.brand, rows=[row]).stored)
        finally:
            connection.close()

    def during_each_batch(execute, sql, params, many, context):
        if many and Scan._meta.db_table in sql:
            pusher = threading.Thread(target=push, args=(len(pushers),))
            pushers.append(pusher)
            pusher.start()
            if connection.vendor != "sqlite":  # SQLite: the push waits for the batch's write lock
                pusher.join()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(during_each_batch):
        summary = import_file(brand=net.brand, kind="scans", path=path)
    for pusher in pushers:
        pusher.join()
    assert len(pushers) == 3 and pushed == [1, 1, 1]
    assert (summary.read, summary.stored, summary.skipped) == (6, 6, 0)
    assert Scan.objects.count() == 9
