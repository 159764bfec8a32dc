"""Customer and waybill lookups at scale: each arm goes through an index (phone from its start or its last four
digits, name or company from its start, the contract code; a customer's waybills by contract, sender phone and
recipient phone, newest first), and the number of queries does not grow with the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.customers.selectors import customer_search, customer_timeline
from kefu.express.models import Waybill
from tests.conftest import at


def names(user, q):
    return {c.name for c in customer_search(user, q)}


def test_customers_are_found_by_phone_start_tail_name_company_and_contract(net, cast):
    from kefu.customers.models import Customer
    from kefu.customers.services import customer_create

    customer_create(brand=cast.brand_b, name="欧阳娜", phone="13911112222", company="福州闽江物流")
    assert Customer.objects.get(name="欧阳娜").phone_tail == "2222", "the database keeps the last four digits"
    sup = cast.supervisor
    assert names(sup, "2222") == {"欧阳娜"}, "尾号"
    assert names(sup, "1391111") == names(sup, "139 1111 2222") == names(sup, "139-1111-2222") == {"欧阳娜"}
    assert names(sup, "+86 139 1111 2222") == names(sup, "１３９１１１１２２２２") == {"欧阳娜"}
    assert names(sup, "２２２２") == {"欧阳娜"}, "尾号 in full-width digits"
    assert (
        names(sup, "欧阳")
        == names(sup, "歐陽娜")
        == names(sup, "福州闽江")
        == names(sup, "福州閩江")
        == {"欧阳娜"}
    )
    assert names(sup, "yj-001") == names(sup, "YJ-001") == {"福清电子厂"}
    assert names(sup, "8000") == {"王小明"}  # 13800138000
    Customer.objects.filter(name="欧阳娜").update(phone="13900003333")
    assert names(sup, "3333") == {"欧阳娜"} and names(sup, "2222") == set()


def test_a_customers_waybills_come_from_each_way_they_belong_newest_first(net, cast):
    from kefu.customers.services import customer_create

    wang = customer_create(brand=cast.brand_b, name="王五", phone="13600001111")
    for i in range(8):
        net.waybill(f"XTJ60000000001{i}", sender_phone="13600001111", shipped=f"2026-10-0{i + 1} 09:00")
        net.waybill(f"XTJ60000000002{i}", recipient_phone="13600001111", shipped=f"2026-10-0{i + 1} 10:00")
        net.waybill(f"XTJ60000000003{i}", sender_phone="13700000000", shipped=f"2026-10-0{i + 1} 11:00")
    Waybill.objects.filter(number="XTJ600000000030").update(contract_customer=wang)

    def waybills(limit):
        return [e.ref for e in customer_timeline(wang, limit=limit) if e.kind == "waybill"]

    from django.db.models import Q

    mine = Q(sender_phone=wang.phone) | Q(recipient_phone=wang.phone) | Q(contract_customer=wang)
    expected = [w.number for w in Waybill.objects.filter(mine).order_by("-shipped_at")]
    assert len(expected) == 17
    assert waybills(100) == expected
    assert waybills(5) == expected[:5]
    with CaptureQueriesContext(connection) as few:
        customer_timeline(wang, limit=5)
    for i in range(30):
        net.waybill(f"XTJ61000000{i:04d}", sender_phone="13600001111", shipped="2026-09-01 09:00")
    with CaptureQueriesContext(connection) as many:
        customer_timeline(wang, limit=5)
    assert len(few) == len(many)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_finds_a_customers_waybills_and_customers_through_indexes(net, cast):
    """Enough waybills and customers that a sequential scan would be chosen if no index served."""
    from kefu.customers.models import Customer

    Waybill.objects.bulk_create(
        Waybill(
            brand=cast.brand_b,
            number=f"XTJ7{i:011d}",
            sender_phone=f"15{i:09d}",
            recipient_phone=f"18{i:09d}",
            sender_name=f"寄件人{i % 500}",
            origin=net.fq,
            destination=net.sh,
            weight_kg=1,
            freight=12,
            shipped_at=at("2026-10-01 09:00"),
        )
        for i in range(5000)
    )
    Customer.objects.bulk_create(
        Customer(brand=cast.brand_b, name=f"客户{i}", phone=f"13{i:09d}") for i in range(5000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE express_waybill")
        cursor.execute("ANALYZE customers_customer")
    lookups = {
        "recipient": Waybill.objects.filter(recipient_phone="18000000042").order_by("-shipped_at")[:20],
        "sender": Waybill.objects.filter(sender_phone="15000000042").order_by("-shipped_at")[:20],
        "sender name": Waybill.objects.filter(brand=cast.brand_b, sender_name="寄件人7").order_by(
            "-shipped_at"
        )[:20],
        "tail": customer_search(cast.supervisor, "0042"),
        "phone": customer_search(cast.supervisor, "1300000004"),
        "name": customer_search(cast.supervisor, "客户42"),
    }
    for what, qs in lookups.items():
        plan = qs.explain()
        assert "Seq Scan on express_waybill" not in plan and "Seq Scan on customers_customer" not in plan, (
            what,
            plan,
        )
