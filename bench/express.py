"""Express benchmark: import N generated scan rows and settle a month of N waybills.

    .venv/bin/python bench/express.py [--rows 1000000] [--db var/bench_express.sqlite3]

Method: a fresh database (SQLite file by default; an empty database named by KEFU_BENCH_DATABASE_URL, e.g.
PostgreSQL, when that is set) with 1 brand, 20 stations in 9 cities (every tariff zone) and 200 contract
customers (one in five with a negotiated discount). N waybills (all 月结, one month; weights 0.1–30 kg, a
quarter with a volume, freight priced by the tariff rulebook except 1% mis-priced) are written to a CSV file
and imported; N scans (4 per waybill for N/4 waybills) are written to a CSV file and imported — this is the
figure the target is about; the same scan file is imported a second time (stores nothing); N face-sheet fee
records (about 1% differing, 0.5% missing, 0.1% written twice) are imported; then the month is settled,
which also re-prices every waybill from the tariff. Timings are wall-clock around the service calls (file generation not included); peak memory
is the process's maximum resident set size (ru_maxrss). Last line:
import_rows_per_s=<x> settle_s=<x> peak_mb=<x>
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# 20 stations: five in 福州, three in 厦门, …, so that waybills fall in every tariff zone.
CITIES = (
    [("福建", "福州")] * 5
    + [("福建", "厦门")] * 3
    + [("上海", "上海")] * 3
    + [("广东", "广州")] * 3
    + [("北京", "北京")] * 2
    + [("浙江", "杭州"), ("四川", "成都"), ("新疆", "乌鲁木齐"), ("西藏", "拉萨")]
)


def destination(i: int) -> int:
    """Any station but the origin (i % 20)."""
    return (i + 1 + (i // 200) % 19) % 20


def shipment(i: int) -> tuple[Decimal, int | None]:
    """(weight 0.10–30.09 kg, volume in cm³ for one waybill in four: sometimes the volumetric weight wins)."""
    volume = ((i * 13) % 60 + 1) * 1000 if i % 4 == 0 else None
    return Decimal((i * 37) % 3000 + 10) / 100, volume


def tariff_freights(stations, discounts):
    """freight(i): the tariff price of waybill i after its customer's discount; 1% mis-priced by ±1 yuan."""
    from kefu.express.rules import contract_price, rate_between
    from kefu.express.rules.tariff import price
    from kefu.express.selectors import place_of

    rates = [[rate_between(place_of(a), place_of(b)) for b in stations] for a in stations]

    def freight(i: int) -> Decimal:
        weight, volume = shipment(i)
        total = price(
            rates[i % 20][destination(i)], weight, None if volume is None else Decimal(volume)
        ).total
        amount = contract_price(total, discounts.get(i % 200 % 10))
        return amount + {11: Decimal(1), 111: Decimal(-1)}.get(i % 200, 0)

    return freight


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", default=None, help="SQLite file (default var/bench_express.sqlite3)")
    args = parser.parse_args()
    n = args.rows
    if os.environ.get("KEFU_BENCH_DATABASE_URL") and not args.db:
        os.environ["KEFU_DATABASE_URL"] = os.environ[
            "KEFU_BENCH_DATABASE_URL"
        ]  # an empty database, e.g. PostgreSQL
    else:
        db = Path(args.db or ROOT / "var" / "bench_express.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        os.environ["KEFU_DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)

    from kefu.brands.models import Brand
    from kefu.customers.models import Customer
    from kefu.express.models import Station
    from kefu.express.services import import_file
    from kefu.express.settlement import settle_month

    brand = Brand.objects.create(
        code="xintianjie", name="信天捷快递", greeting_name="信天捷快递", hotline="400", profile="xintianjie"
    )
    stations = [
        Station(brand=brand, code=f"S{i:02d}", name=f"站点{i:02d}", province=province, city=city)
        for i, (province, city) in enumerate(CITIES)
    ]
    Station.objects.bulk_create(stations)
    discounts = {0: Decimal("0.85"), 5: Decimal("0.9")}
    Customer.objects.bulk_create(
        [
            Customer(
                brand=brand,
                name=f"月结客户{i}",
                phone=f"0591{i:07d}",
                contract_code=f"YJ{i:04d}",
                contract_discount=discounts.get(i % 10),
            )
            for i in range(200)
        ]
    )
    freight = tariff_freights(stations, discounts)
    print(f"数据库：{connection.vendor}，行数 N={n:,}", flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="kefu-bench-"))
    waybills, scans, fees = tmp / "waybills.csv", tmp / "scans.csv", tmp / "fees.csv"
    with waybills.open("w", encoding="utf-8") as out, fees.open("w", encoding="utf-8") as sheets:
        out.write(
            "number,sender_name,sender_phone,origin,destination,item_name,pieces,weight_kg,volume_cm3,freight,"
            "payment,contract_code,shipped_at\n"
        )
        sheets.write("number,contract_code,amount,month\n")
        for i in range(n):
            weight, volume = shipment(i)
            amount = freight(i)
            out.write(
                f"XTJ{i:012d},客户{i % 200},0591{i % 200:07d},S{i % 20:02d},S{destination(i):02d},文件,1,"
                f"{weight},{volume or ''},{amount},月结,YJ{i % 200:04d},"
                f"2026-10-{1 + i % 28:02d} {8 + i % 12:02d}:{i % 60:02d}\n"
            )
            if i % 200 == 3:
                continue  # missing face sheet
            written = amount + (2 if i % 100 == 5 else 0)
            sheets.write(f"XTJ{i:012d},YJ{i % 200:04d},{written},2026-10\n")
            if i % 1000 == 7:
                sheets.write(f"XTJ{i:012d},YJ{i % 200:04d},{written},2026-10\n")
    kinds = ("收件", "发出", "到达", "签收")
    with scans.open("w", encoding="utf-8") as out:
        out.write("number,kind,at,station,next_station\n")
        for j in range(n):
            i, k = divmod(j, 4)
            station = f"S{(i if k < 2 else i + 7) % 20:02d}"
            nxt = f"S{(i + 7) % 20:02d}" if k == 1 else ""
            out.write(
                f"XTJ{i:012d},{kinds[k]},2026-10-{1 + i % 28:02d} {8 + k * 3:02d}:{i % 60:02d},{station},{nxt}\n"
            )

    def timed(label, kind, path):
        start = time.perf_counter()
        summary = import_file(brand=brand, kind=kind, path=path)
        seconds = time.perf_counter() - start
        print(
            f"{label}：读取 {summary.read:,} 行，存入 {summary.stored:,}，跳过 {summary.skipped:,}，"
            f"拒收 {summary.rejected_count:,}；{seconds:.1f} 秒，{summary.read / seconds:,.0f} 行/秒",
            flush=True,
        )
        return summary, seconds

    timed("导入运单", "waybills", waybills)
    scan_summary, scan_seconds = timed("导入扫描", "scans", scans)
    timed("重复导入扫描", "scans", scans)
    timed("导入面单费用", "fees", fees)
    start = time.perf_counter()
    settlement = settle_month(brand=brand, month=date(2026, 10, 1))
    settle_seconds = time.perf_counter() - start
    print(
        f"月结：{settlement.statements.count()} 个客户，{settlement.waybills:,} 票，合计 {settlement.total} 元，"
        f"差异 {settlement.problems:,} 条；{settle_seconds:.1f} 秒",
        flush=True,
    )
    rate = scan_summary.read / scan_seconds
    print(f"import_rows_per_s={rate:.0f} settle_s={settle_seconds:.2f} peak_mb={peak_mb():.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
