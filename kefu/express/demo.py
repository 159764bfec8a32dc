"""Express demo data: stations, couriers, last month's waybills and scans ready to settle, a pickup order,
claims in several states, problem parcels (one mid-way) and a sent-not-arrived follow-up (called by `kefu demo-data`)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from kefu.accounts.models import User
from kefu.customers.models import Customer
from kefu.customers.services import customer_create
from kefu.express import services
from kefu.express.imports import FeeImporter, ScanImporter, WaybillImporter
from kefu.express.models import Courier, Station, Waybill
from kefu.express.rules import contract_price, quote_shipment
from kefu.express.selectors import express_brand_get, place_of
from kefu.express.settlement import month_range
from kefu.timeutil import local_now

STATIONS = [
    ("FQ01", "福清站", "福建", "福州", "福清", "福清市音西街道福清大道 88 号"),
    ("FZ01", "福州鼓楼站", "福建", "福州", "鼓楼", "福州市鼓楼区五四路 120 号"),
    ("XM01", "厦门思明站", "福建", "厦门", "思明", "厦门市思明区湖滨南路 66 号"),
    ("SH01", "上海青浦分拨中心", "上海", "上海", "青浦", "上海市青浦区华新镇 9 号"),
    ("GZ01", "广州白云站", "广东", "广州", "白云", "广州市白云区机场路 300 号"),
]
COURIERS = [
    ("FQ01", "陈师傅", "13600000001", "音西"),
    ("FQ01", "林师傅", "13600000002", "龙山"),
    ("FZ01", "黄师傅", "13600000003", "鼓楼"),
    ("XM01", "郑师傅", "13600000004", "思明"),
]
ITEMS = ["衣服", "电路板", "茶叶", "文件", "书籍", "鞋子", "手机配件", "样品"]
KINDS = ["收件", "发出", "到达", "派送", "签收"]
# (problem parcel kind, reported hours ago, steps already done)
DEMO_PROBLEMS = [("wrong_phone", 3, 2), ("out_of_area", 1, 0)]


def _contracts(brand, rng) -> list[Customer]:
    found = list(Customer.objects.filter(brand=brand).exclude(contract_code=""))
    for i, name in enumerate(["福清电子科技有限公司", "海峡贸易有限公司"][: max(0, 2 - len(found))]):
        found.append(
            customer_create(
                brand=brand,
                name=name,
                company=name,
                phone=f"05918555{i:04d}",
                contract_code=f"YJ-DEMO-{i + 1}",
            )
        )
    found[0].contract_discount = Decimal("0.90")  # a negotiated 九折 on the tariff
    found[0].save(update_fields=["contract_discount"])
    return found


def _recent_to_fuqing(waybills: list[dict], scans: list[dict], now) -> None:
    """Parcels sent to 福清站 in the last days, two of them never scanned there: 有发无到 has work to show."""
    for i, origin in enumerate(["XM01", "SH01", "GZ01", "XM01", "SH01", "XM01"]):
        number, sent = f"XTJ{202611900000 + i:012d}", now - timedelta(days=1 + i % 4, hours=3 * i)
        waybills.append(
            {
                **waybills[0],
                "number": number,
                "origin": origin,
                "destination": "FQ01",
                "payment": "寄付",
                "contract_code": "",
                "shipped_at": sent.isoformat(),
            }
        )
        kinds = ["收件", "发出"] if i in (1, 3) else ["收件", "发出", "到达"]
        for k, kind in enumerate(kinds):
            scans.append(
                {
                    "number": number,
                    "kind": kind,
                    "at": (sent + timedelta(hours=4 * k)).isoformat(),
                    "station": "FQ01" if kind == "到达" else origin,
                    "next_station": "FQ01" if kind == "发出" else "",
                }
            )


def load(stdout, rng: random.Random) -> str:
    brand = express_brand_get("xintianjie")
    actor = User.objects.filter(team__brands=brand).order_by("agent_no").first() or User.objects.first()
    stations = {
        code: Station.objects.create(
            brand=brand, code=code, name=name, province=p, city=c, district=d, address=a
        )
        for code, name, p, c, d, a in STATIONS
    }
    for code, name, phone, area in COURIERS:
        Courier.objects.create(station=stations[code], name=name, phone=phone, area=area)
    contracts = _contracts(brand, rng)
    now = local_now()
    month_start, _ = month_range((now.replace(day=1) - timedelta(days=1)).date().replace(day=1))

    waybills, scans, fees = [], [], []
    for i in range(240):
        monthly = i % 3 != 2
        customer = contracts[(i // 3) % len(contracts)] if monthly else None
        # a contract customer sends from its home station, whose couriers collect the month's fees
        origin = (
            ["FQ01", "FZ01", "XM01"][contracts.index(customer) % 3]
            if customer
            else rng.choice(list(stations))
        )
        dest = rng.choice([code for code in stations if code != origin])
        incoming = (
            customer is not None and i % 7 == 0
        )  # sent to the contract customer, billed to its contract (收件)
        if incoming:
            origin, dest = dest, origin
        shipped = month_start + timedelta(hours=rng.randrange(24 * 28), minutes=rng.randrange(60))
        number = f"XTJ{202610000000 + i:012d}"
        weight = Decimal(str(rng.choice([0.5, 1, 1.5, 2.3, 4])))
        list_price = quote_shipment(place_of(stations[origin]), place_of(stations[dest]), weight).total
        freight = contract_price(list_price, customer.contract_discount if customer else None)
        if i % 30 == 7:  # a few priced off the tariff, for settlement to find
            freight += Decimal("3.00")
        waybills.append(
            {
                "number": number,
                "sender_name": customer.name if customer else "王先生",
                "sender_phone": customer.phone if customer else f"1380000{i:04d}",
                "origin": origin,
                "destination": dest,
                "recipient_name": customer.name if incoming else "李女士",
                "recipient_phone": customer.phone if incoming else f"1390000{i:04d}",
                "item_name": rng.choice(ITEMS),
                "pieces": rng.choice([1, 1, 1, 2]),
                "weight_kg": str(weight),
                "freight": str(freight),
                "payment": "月结" if monthly else rng.choice(["寄付", "到付"]),
                "contract_code": customer.contract_code if customer else "",
                "shipped_at": shipped.isoformat(),
            }
        )
        steps = rng.choice([2, 3, 5, 5, 5])
        if dest == "FQ01":
            # whatever the day, 福清站's 有发无到 shows only _recent_to_fuqing's two parcels: the settlement
            # month's parcels to it all arrived (early in a month they fall in the page's 7-day window)
            steps = max(steps, 3)
        for k, kind in enumerate(KINDS[:steps]):
            station = origin if k < 2 else dest
            scans.append(
                {
                    "number": number,
                    "kind": kind,
                    "at": (shipped + timedelta(hours=6 * k + 1)).isoformat(),
                    "station": station,
                    "next_station": dest if kind == "发出" else "",
                }
            )
        if monthly and i % 40 != 1:  # a few face sheets missing
            recorded = freight + (Decimal("2.00") if i % 50 == 4 else 0)  # and a few written wrong
            fees.append(
                {
                    "number": number,
                    "contract_code": customer.contract_code,
                    "amount": str(recorded),
                    "month": f"{month_start:%Y-%m}",
                }
            )
    fees.append(dict(fees[0]))  # one face sheet written twice
    _recent_to_fuqing(waybills, scans, now)
    WaybillImporter(brand).run(enumerate(waybills, start=2))
    ScanImporter(brand).run(enumerate(scans, start=2))
    FeeImporter(brand, "demo").run(enumerate(fees, start=2))

    services.pickup_create(
        brand=brand,
        actor=actor,
        at=now - timedelta(minutes=20),
        data={
            "customer_name": contracts[0].name,
            "origin": {"province": "福建", "city": "福州", "district": "福清"},
            "destination": {"province": "广东", "city": "广州"},
            "item_name": "电路板样品",
            "pieces": 2,
            "weight_kg": "6.5",
            "contact_name": contracts[0].name,
            "phone": contracts[0].phone,
            "address": "福清市音西街道 12 号",
        },
    )
    signed = list(Waybill.objects.filter(brand=brand, scans__kind="签收").order_by("number")[:4])
    loss = {"claimant": {"name": "王先生", "role": "sender"}, "reason": "loss", "cause": "carrier"}
    states = [
        [],
        ["acknowledged"],
        ["acknowledged", "proposed", "agreed"],
        ["acknowledged", "proposed", "agreed", "paid"],
    ]
    for waybill, path in zip(signed, states, strict=False):
        claim = services.claim_file(
            brand=brand, waybill_number=waybill.number, claim=loss, actor=actor, at=now - timedelta(days=3)
        )
        for hour, state in enumerate(path, start=1):
            claim = services.claim_advance(
                claim=claim, to=state, actor=actor, at=now - timedelta(days=3, hours=-hour)
            )
    # Problem parcels for /express/problems/: one mid-way (the sender already told), one just reported.
    unsigned = list(Waybill.objects.filter(brand=brand).exclude(scans__kind="签收").order_by("number")[:2])
    problems = []
    for waybill, (kind, hours_ago, steps) in zip(unsigned, DEMO_PROBLEMS, strict=False):
        problem = services.problem_report(
            waybill=waybill,
            kind=kind,
            station=waybill.destination,
            actor=actor,
            at=now - timedelta(hours=hours_ago),
        )
        for no in range(1, steps + 1):
            problem = services.problem_advance(
                problem=problem, step=no, actor=actor, at=now - timedelta(hours=hours_ago, minutes=-30 * no)
            )
        problems.append(problem)
    follow_ups = services.sent_not_arrived_follow_up(
        station=stations["SH01"],
        since=month_start,
        until=datetime.combine(now.date(), datetime.min.time(), tzinfo=now.tzinfo),
        actor=actor,
    )
    return (
        f"快递：{len(stations)} 个站点，{len(waybills)} 票运单（{month_start:%Y-%m} 可月结：kefu settle --month "
        f"{month_start:%Y-%m}），{len(scans)} 条扫描，1 个取件订单，{len(signed)} 件理赔，"
        f"{len(problems)} 个问题件，{len(follow_ups)} 张有发无到跟进工单。"
    )
