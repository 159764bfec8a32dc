"""Express fixtures: stations of brand B (信天捷快递), couriers, a contract customer and a few waybills."""

from decimal import Decimal

import pytest

from tests.conftest import at


@pytest.fixture
def net(cast, ticket_types):
    from kefu.customers.services import customer_create
    from kefu.express.models import Courier, Station, Waybill

    class Net:
        pass

    n = Net()
    b = cast.brand_b
    n.brand = b
    n.fq = Station.objects.create(
        brand=b,
        code="FQ01",
        name="福清站",
        province="福建",
        city="福州",
        district="福清",
        address="福清市音西街道 88 号",
    )
    n.xm = Station.objects.create(
        brand=b, code="XM01", name="厦门站", province="福建", city="厦门", district="思明"
    )
    n.sh = Station.objects.create(
        brand=b, code="SH01", name="上海分拨中心", province="上海", city="上海", district="青浦"
    )
    n.courier = Courier.objects.create(station=n.fq, name="陈师傅", phone="13600000001", area="音西")
    n.contract = customer_create(brand=b, name="福清电子厂", phone="059185550001", company="福清电子厂")
    n.contract.contract_code = "YJ-001"
    n.contract.save()

    def build(
        number,
        *,
        origin=None,
        dest=None,
        shipped="2026-10-05 10:00",
        freight="12.00",
        payment="sender",
        customer=None,
        **extra,
    ):
        return Waybill(
            brand=b,
            number=number,
            origin=origin or n.fq,
            destination=dest or n.sh,
            weight_kg=extra.pop("weight_kg", Decimal("1.00")),
            freight=Decimal(freight),
            payment=payment,
            contract_customer=customer,
            shipped_at=at(shipped),
            sender_name=extra.pop("sender_name", "王小明"),
            sender_phone=extra.pop("sender_phone", "13800138000"),
            item_name=extra.pop("item_name", "衣服"),
            **extra,
        )

    def waybill(number, **fields):
        made = build(number, **fields)
        made.save()
        return made

    def waybills(numbers, **fields):
        """Many waybills alike but for their numbers, in bulk (the same defaults as waybill)."""
        return Waybill.objects.bulk_create((build(number, **fields) for number in numbers), batch_size=5000)

    n.waybill, n.waybills = waybill, waybills
    return n
