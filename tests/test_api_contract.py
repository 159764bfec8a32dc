"""The API as a contract: schemathesis generates requests from /api/openapi.json (valid and invalid ones) and
every answer must be documented: no server error, no status the document does not list, no body that breaks
its schema. Bounded (CONTRACT_EXAMPLES per operation) so `make test` stays quick; docs/RELIABILITY.md has the
figures. Signed in as a supervisor (every route is open to them) over demo-like data of two brands."""

import json
import os
import re
import time
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import SUITE_CLOCK, at

# The contract is not about dates: one moment (the suite's), so `make test-clocks` does not fuzz again at each.
pytestmark = pytest.mark.clock(SUITE_CLOCK)
EXAMPLES = int(os.environ.get("KEFU_CONTRACT_EXAMPLES", "20"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def world(cast, ticket_types, monkeypatch):
    """Demo-like data: customers and tickets of two brands (one breached), stations, a courier, a waybill, a
    pickup order, a claim and a problem parcel; half the generated paths name these rows (real_rows)."""
    from kefu.api import api
    from kefu.customers.models import Customer
    from kefu.express import services as express
    from kefu.express.models import Courier, Station, Waybill
    from kefu.tickets.models import Ticket
    from kefu.tickets.services import sla_sweep, ticket_create
    from tests.express_django.test_claims import LOSS
    from tests.express_django.test_pickup import FORM

    # the intake limit (60 a minute) would answer most generated intakes 429 before they are looked at
    for throttle in api.throttle:
        monkeypatch.setattr(throttle, "num_requests", 1_000_000)
    b = cast.brand_b
    fq = Station.objects.create(
        brand=b, code="FQ01", name="福清站", province="福建", city="福州", district="福清"
    )
    sh = Station.objects.create(brand=b, code="SH01", name="上海分拨中心", province="上海", city="上海")
    Courier.objects.create(station=fq, name="陈师傅", phone="13600000001", area="音西")
    waybill = Waybill.objects.create(
        brand=b,
        number="SF1234567890",
        origin=fq,
        destination=sh,
        weight_kg=Decimal("1.00"),
        freight=Decimal("12.00"),
        payment="sender",
        shipped_at=at("2026-11-20 10:00"),
        sender_name="王小明",
        sender_phone="13800138000",
        item_name="衣服",
    )
    for n, (type_name, brand, customer) in enumerate(
        [
            ("投诉", cast.brand_a, cast.customer_a),
            ("查询", cast.brand_b, cast.customer_b),
            ("咨询", cast.brand_a, cast.vip_a),
        ]
    ):
        ticket_create(
            brand=brand,
            type=ticket_types[type_name],
            channel="phone",
            subject=f"{type_name}测试",
            customer=customer,
            actor=cast.supervisor,
            at=at("2026-11-10 09:00") if n == 0 else None,
        )
    problem = express.problem_report(waybill=waybill, kind="wrong_phone", station=sh, actor=cast.supervisor)
    claim = express.claim_file(brand=b, waybill_number=waybill.number, claim=LOSS, actor=cast.supervisor)
    order = express.pickup_create(brand=b, data=FORM, actor=cast.supervisor)
    sla_sweep()
    REAL.clear()
    REAL["customer_id"] = list(Customer.objects.values_list("pk", flat=True))
    REAL["number"] = list(Ticket.objects.values_list("number", flat=True))
    REAL.update(problem_id=[problem.pk], claim_id=[claim.pk], order_id=[order.pk])
    return cast


def in_test_transaction(app):
    """The WSGI app as Django's test client runs it: requests share the test's database connection (Django
    closes connections at a request's start and end, which would end the test's transaction)."""

    def wsgi(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            return list(app(environ, start_response))
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return wsgi


def load_schema():
    """The document /api/openapi.json serves (test_the_fuzzed_document_is_the_served_one), read at collection so
    each operation is a test of its own."""
    from kefu.wsgi import application

    loaded = schemathesis.openapi.from_dict(served_document())
    loaded.app = in_test_transaction(application)
    return loaded


def served_document() -> dict:
    from kefu.api import api

    return json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/")))


TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def timestamps(value):
    if isinstance(value, str):
        if TIMESTAMP.match(value):
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from timestamps(item)
    elif isinstance(value, list):
        for item in value:
            yield from timestamps(item)


@schemathesis.check
def local_timestamps(ctx, response, case):
    """Every timestamp in a reply is ISO 8601 at +08:00 (Asia/Shanghai), never UTC."""
    if "json" not in response.headers.get("Content-Type", [""])[0]:
        return None
    for text in timestamps(response.json()):
        if not text.endswith("+08:00"):
            raise AssertionError(f"时间不是 +08:00：{text}")
    return None


CHECKS.append(local_timestamps)
schema = load_schema()
REAL: dict[str, list] = {}  # path parameter → keys of rows that exist (filled by `world`)


@schema.hook("flatmap_path_parameters")
def real_rows(context, path_parameters):
    """Half the generated paths name rows that exist, so the operations run past their lookups."""
    known = {name: REAL[name] for name in path_parameters or {} if REAL.get(name)}
    if not known:
        return st.just(path_parameters)
    picked = st.fixed_dictionaries({name: st.sampled_from(keys) for name, keys in known.items()})
    return st.one_of(st.just(path_parameters), picked.map(lambda found: {**path_parameters, **found}))


@schema.hook("flatmap_body")
def real_codes(context, body):
    """Half the generated bodies name a real brand (and the waybill), so intakes run past the brand lookup."""
    if not isinstance(body, dict) or "brand" not in body:
        return st.just(body)
    real = {"brand": st.sampled_from(["oufei", "xintianjie"])}
    for name in ("waybill_number", "number"):
        if isinstance(body.get(name), str):
            real[name] = st.just("SF1234567890")
    return st.one_of(st.just(body), st.fixed_dictionaries(real).map(lambda found: {**body, **found}))


def _status_seen(response) -> None:
    SEEN["statuses"][response.status_code] = SEEN["statuses"].get(response.status_code, 0) + 1


SEEN: dict = {"operations": set(), "requests": 0, "statuses": {}}


@pytest.fixture(scope="module", autouse=True)
def _figures():
    started = time.monotonic()
    yield
    print(
        f"\nschemathesis: {len(SEEN['operations'])} operations, {SEEN['requests']} requests, "
        f"{time.monotonic() - started:.0f} s ({connection.vendor}); statuses {sorted(SEEN['statuses'].items())}"
    )


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_every_answer_is_documented(case, world):
    SEEN["operations"].add(case.operation.label)
    SEEN["requests"] += 1
    response = case.call_and_validate(headers={"Authorization": f"Bearer {world.token_sup}"}, checks=CHECKS)
    _status_seen(response)


def test_the_fuzzed_document_is_the_served_one(client, cast):
    served = client.get("/api/openapi.json", headers={"Authorization": f"Bearer {cast.token_sup}"})
    assert served.status_code == 200
    assert served.json() == served_document()
    operations = [op for path in served.json()["paths"].values() for op in path.values()]
    assert operations and all(
        {"400", "401", "403", "404", "409", "413", "422", "429"} <= set(op["responses"]) for op in operations
    ), "every operation documents the error answers"
    error = served.json()["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "message", "field"]
    from kefu.api import INTAKE

    for method, route in INTAKE - {("POST", "express/scans")}:
        operation = served.json()["paths"][f"/api/{route}"][method.lower()]
        headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert headers == ["Idempotency-Key"], route
