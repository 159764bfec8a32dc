"""The JSON API: intake, idempotency, transitions, hand-offs, permissions and readable errors."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from kefu.tickets.models import IdempotencyKey, Ticket

NEW = {
    "brand": "oufei",
    "type": "查询",
    "channel": "phone",
    "subject": "充值未到账",
    "customer": {"name": "周杰", "phone": "138-0000-1111", "gender": "male"},
}


def test_intake_creates_a_ticket_with_customer_and_clocks(api_a):
    res = api_a.post("/tickets", NEW)
    assert res.status_code == 201, res.content
    body = res.json()
    assert body["number"].startswith("KF-") and body["status"] == "new" and body["status_label"] == "新建"
    assert body["customer"]["salutation"] == "周先生"
    assert body["customer"]["phone"] == "138****1111", "agents see phone numbers masked"
    assert body["customer"]["returning"] is False
    assert [c["code"] for c in body["clocks"]] == ["answer"]


def test_a_retried_intake_with_the_same_key_creates_one_ticket(api_a):
    first = api_a.post("/tickets", NEW, headers={"Idempotency-Key": "call-42"})
    again = api_a.post("/tickets", NEW, headers={"Idempotency-Key": "call-42"})
    assert first.status_code == again.status_code == 201
    assert first.json()["number"] == again.json()["number"]
    assert Ticket.objects.count() == 1


def test_the_same_key_with_another_request_is_refused(api_a):
    api_a.post("/tickets", NEW, headers={"Idempotency-Key": "call-43"})
    res = api_a.post("/tickets", {**NEW, "subject": "另一件事"}, headers={"Idempotency-Key": "call-43"})
    assert res.status_code == 409 and res.json()["code"] == "idempotency_mismatch"
    assert Ticket.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_create_one_ticket(cast):
    barrier = threading.Barrier(3)
    statuses = []

    def post():
        client = Client()
        barrier.wait()
        res = client.post(
            "/api/tickets",
            NEW,
            content_type="application/json",
            headers={"Authorization": f"Bearer {cast.token_a}", "Idempotency-Key": "burst-1"},
        )
        statuses.append((res.status_code, res.json().get("number")))
        connection.close()

    threads = [threading.Thread(target=post) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Ticket.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1
    assert {s for s, _ in statuses} == {201}
    assert len({n for _, n in statuses}) == 1


def test_bad_input_gets_a_chinese_message_naming_the_field(api_a):
    res = api_a.post("/tickets", {**NEW, "channel": "fax"})
    assert res.status_code == 422
    assert res.json()["field"] == "channel" and "channel" in res.json()["message"]
    res = api_a.post("/tickets", {**NEW, "type": "算命"})
    assert res.status_code == 404 and res.json() == {
        "code": "not_found",
        "message": "没有找到工单类型“算命”",
        "field": "type",
    }
    assert Ticket.objects.count() == 0


def test_a_failed_request_leaves_nothing_half_written(api_a, cast):
    from kefu.customers.models import Customer

    before = Customer.objects.count()
    res = api_a.post(
        "/tickets", {**NEW, "subject": "   ", "customer": {"name": "新客户", "phone": "13611112222"}}
    )
    assert res.status_code == 400 and res.json()["field"] == "subject"
    assert Customer.objects.count() == before, "the customer created on the way was rolled back"


def test_without_credentials_the_api_answers_401_in_chinese(client, cast):
    res = client.get("/api/tickets")
    assert res.status_code == 401 and "登录" in res.json()["message"]


def test_agents_cannot_see_another_brands_tickets(api_a, api_b):
    number = api_a.post("/tickets", NEW).json()["number"]
    assert api_b.get(f"/tickets/{number}").status_code == 403
    assert number not in [t["number"] for t in api_b.get("/tickets").json()]
    assert api_a.get("/tickets/KF-19990101-000001").status_code == 404


def test_transitions_hand_offs_and_history_through_the_api(api_a, api_sup):
    number = api_a.post("/tickets", NEW).json()["number"]
    assert api_sup.post(f"/tickets/{number}/assign", {"agent_no": "2001"}).json()["status"] == "assigned"
    res = api_a.post(f"/tickets/{number}/transition", {"to": "closed"})
    assert res.status_code == 409 and res.json()["code"] == "invalid_transition"
    assert "不能从“已分派”变为“已关闭”" in res.json()["message"]
    assert api_a.post(f"/tickets/{number}/replies", {"body": "您好，正在为您查询。"}).status_code == 201
    res = api_a.post(f"/tickets/{number}/hand-off", {"department": "财务", "promise": "24小时内回电"})
    assert res.json()["status"] == "waiting_department" and res.json()["department"] == "财务"
    res = api_a.post(f"/tickets/{number}/escalate", {"reason": "客户要求主管处理"})
    assert res.json()["escalated_to"].startswith("赵主管")
    res = api_a.post(f"/tickets/{number}/convert-to-complaint", {"reason": "客户对结果不满意"})
    assert res.status_code == 201 and res.json()["type"] == "投诉"
    assert res.json()["converted_from"] == number
    kinds = [e["kind"] for e in api_a.get(f"/tickets/{number}/events").json()]
    for kind in ("created", "assigned", "reply", "handed_off", "escalated", "converted"):
        assert kind in kinds
    assert api_a.get(f"/tickets/{number}").json()["converted_to"] == res.json()["number"]


def test_customers_are_found_by_phone_name_company_and_contract(api_a, api_sup, cast):
    res = api_sup.post(
        "/customers",
        {
            "brand": "oufei",
            "name": "钱进",
            "phone": "13512345678",
            "company": "海峡贸易有限公司",
            "contract_code": "YJ2026001",
            "vip_level": 2,
        },
    )
    assert res.status_code == 201 and res.json()["phone"] == "13512345678", "supervisors see whole numbers"
    for q in ("13512345678", "钱进", "海峡贸易", "YJ2026001"):
        assert [c["name"] for c in api_a.get("/customers", q=q).json()] == ["钱进"], q
    customer_id = res.json()["id"]
    api_a.get(f"/customers/{customer_id}")
    from kefu.customers.models import CustomerAccessLog

    assert CustomerAccessLog.objects.filter(customer_id=customer_id, user=cast.agent_a).count() == 1
    dup = api_sup.post("/customers", {"brand": "oufei", "name": "钱进二", "phone": "135 1234 5678"})
    assert dup.status_code == 409 and dup.json()["field"] == "phone"


def test_a_contract_customers_negotiated_discount_is_kept_and_checked(api_sup):
    body = {"brand": "oufei", "name": "钱进", "phone": "13512345678", "contract_code": "YJ2026001"}
    res = api_sup.post("/customers", {**body, "contract_discount": "0.85"})
    assert res.status_code == 201 and Decimal(res.json()["contract_discount"]) == Decimal("0.85")
    customer_id = res.json()["id"]
    assert Decimal(api_sup.get(f"/customers/{customer_id}").json()["contract_discount"]) == Decimal("0.85")
    refused = api_sup.patch(f"/customers/{customer_id}", {"contract_discount": "1.2"})
    assert refused.status_code == 422 and refused.json()["field"] == "contract_discount", refused.json()
    cleared = api_sup.patch(f"/customers/{customer_id}", {"contract_discount": None})
    assert cleared.status_code == 200 and cleared.json()["contract_discount"] is None


def test_customer_timeline_and_returning_customer(api_a, cast):
    api_a.post("/tickets", {**NEW, "customer_id": cast.customer_a.pk, "customer": None})
    second = api_a.post(
        "/tickets",
        {
            **NEW,
            "customer_id": cast.customer_a.pk,
            "customer": None,
            "channel": "chat",
            "subject": "再次咨询",
        },
    ).json()
    assert second["customer"]["returning"] is True
    timeline = api_a.get(f"/customers/{cast.customer_a.pk}/timeline").json()
    assert [e["kind"] for e in timeline][:2] == ["chat", "call"]


def test_openapi_document_and_docs_page_are_served(client, cast):
    client.force_login(cast.agent_a)  # staff only: tests/test_api_docs.py
    assert client.get("/api/openapi.json").status_code == 200
    assert "/api/tickets" in client.get("/api/openapi.json").json()["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert "https://" not in docs.content.decode(), "kefu runs on intranets: no asset from a CDN"
    assert "/static/ninja/swagger-ui-bundle.js" in docs.content.decode()
