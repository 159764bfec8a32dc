"""Every intake endpoint honours Idempotency-Key as POST /api/tickets does: a retry with the same key gets the
first answer and creates nothing more, the same key with another request is refused (409), and retries that
arrive together create one object (threads, committed transactions: the database serialises them)."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from kefu.customers.models import Customer
from kefu.express.models import Claim, PickupOrder, ProblemParcel
from kefu.tickets.models import IdempotencyKey, Ticket
from tests.express_django.test_claims import LOSS
from tests.express_django.test_pickup import FORM

WAYBILL = "XTJ400000000101"


def intakes():
    """(path, body, the model it creates, a different body) for each intake endpoint."""
    return {
        "customers": (
            "/api/customers",
            {"brand": "oufei", "name": "周杰", "phone": "13811112222"},
            Customer,
            {"brand": "oufei", "name": "周杰伦", "phone": "13811112223"},
        ),
        "complaints": (
            "/api/express/complaints",
            {
                "brand": "xintianjie",
                "type": "delay",
                "description": "快件延误三天",
                "waybill_number": WAYBILL,
            },
            Ticket,
            {
                "brand": "xintianjie",
                "type": "delay",
                "description": "快件延误五天",
                "waybill_number": WAYBILL,
            },
        ),
        "queries": (
            "/api/express/queries",
            {"brand": "xintianjie", "number": WAYBILL},
            Ticket,
            {"brand": "xintianjie", "number": WAYBILL, "channel": "chat"},
        ),
        "pickups": (
            "/api/express/pickups",
            {"brand": "xintianjie", **FORM},
            PickupOrder,
            {**FORM, "pieces": 2},
        ),
        "claims": (
            "/api/express/claims",
            {"brand": "xintianjie", "waybill_number": WAYBILL, "claim": LOSS},
            Claim,
            {"brand": "xintianjie", "waybill_number": WAYBILL, "claim": {**LOSS, "cause": "packaging"}},
        ),
        "problems": (
            "/api/express/problems",
            {"brand": "xintianjie", "waybill_number": WAYBILL, "kind": "wrong_phone"},
            ProblemParcel,
            {"brand": "xintianjie", "waybill_number": WAYBILL, "kind": "refused"},
        ),
    }


def post(token, path, body, key):
    return Client().post(
        path,
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )


@pytest.mark.parametrize("name", list(intakes()))
def test_a_retry_with_the_same_key_gets_the_first_answer_and_creates_nothing(name, net, cast):
    net.waybill(WAYBILL)
    path, body, model, other = intakes()[name]
    before = model.objects.count()
    first = post(cast.token_sup, path, body, f"{name}-1")
    assert first.status_code in (200, 201), first.content
    again = post(cast.token_sup, path, body, f"{name}-1")
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert model.objects.count() == before + 1
    refused = post(cast.token_sup, path, other, f"{name}-1")
    assert refused.status_code == 409 and refused.json()["code"] == "idempotency_mismatch"
    assert refused.json()["message"] == "该 Idempotency-Key 已用于另一个不同的请求"
    assert model.objects.count() == before + 1
    fresh = post(cast.token_sup, path, other, f"{name}-2")
    assert fresh.status_code in (200, 201) and model.objects.count() == before + 2


def test_one_key_on_two_endpoints_is_two_requests(net, cast):
    net.waybill(WAYBILL)
    assert post(cast.token_sup, *intakes()["problems"][:2], "shared").status_code == 200
    reused = post(cast.token_sup, *intakes()["complaints"][:2], "shared")
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_mismatch"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", list(intakes()))
def test_concurrent_retries_with_one_key_create_one_object(name, net, cast):
    net.waybill(WAYBILL)
    path, body, model, _ = intakes()[name]
    before = model.objects.count()
    barrier = threading.Barrier(3)
    answers = []

    def send():
        barrier.wait()
        res = post(cast.token_sup, path, body, f"burst-{name}")
        answers.append((res.status_code, json.dumps(res.json(), sort_keys=True)))  # PostgreSQL reorders keys
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert model.objects.count() == before + 1
    assert IdempotencyKey.objects.filter(key=f"burst-{name}").count() == 1
    assert len(set(answers)) == 1 and answers[0][0] in (200, 201), answers
