"""The pickup form answers at once; the settlement pages show the month by area and export Excel."""

from kefu.express.models import PickupOrder
from kefu.jobs.services import jobs_run_queued
from tests.express_django.test_settlement import month_setup


def test_the_pickup_form_answers_with_price_and_courier(net, cast, client):
    client.force_login(cast.agent_b)
    assert "取件下单" in client.get("/express/pickup/").content.decode()
    page = client.post(
        "/express/pickup/",
        {
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
        },
    ).content.decode()
    assert "可以寄递" in page and "19.50 元" in page and "陈师傅" in page
    assert PickupOrder.objects.count() == 1
    refused = client.post(
        "/express/pickup/",
        {
            "origin_province": "福建",
            "dest_province": "香港",
            "item_name": "书",
            "weight_kg": "1",
            "pieces": "1",
            "contact_name": "林",
            "phone": "13800138000",
            "address": "x",
        },
    )
    assert "不能受理" in refused.content.decode() and "港澳台" in refused.content.decode()


def test_an_agent_of_another_brand_cannot_open_the_form(net, cast, client):
    client.force_login(cast.agent_a)
    assert client.get("/express/pickup/").status_code == 403


def test_a_supervisor_runs_the_month_and_reads_statements(net, cast, client):
    month_setup(net)
    client.force_login(cast.supervisor)
    reply = client.post("/express/settlements/run/", {"month": "2026-10"}, follow=True)
    page = reply.content.decode()
    assert "已开始 2026-10 月结" in page and "排队中" in page and 'hx-trigger="every 1s"' in page
    # a worker settles it (tests/express_django/test_durable_jobs.py runs a real one)
    assert jobs_run_queued() == 1
    page = client.get("/express/settlements/").content.decode()
    assert "2026 年 10 月" in page and "排队中" not in page and "hx-trigger" not in page
    page = client.get("/express/settlements/2026-10/").content.decode()
    assert "福清站" in page and "福清电子厂" in page and "57.00" in page and "金额不符" in page
    statement = net.contract.statement_set.get()
    printable = client.get(f"/express/statements/{statement.pk}/").content.decode()
    assert "月结对账单" in printable and "XTJ600000000002" in printable and "收件费用" in printable
    xlsx = client.get("/express/settlements/2026-10/xlsx/")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_an_agent_cannot_run_the_month(net, cast, client):
    client.force_login(cast.agent_b)
    assert client.post("/express/settlements/run/", {"month": "2026-10"}).status_code == 403
