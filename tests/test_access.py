"""One place decides who may see what (kefu.accounts.access): every route walked as an agent of brand A against
brand B's objects, and as an agent against supervisor-only routes. A route missing from ROUTES fails the walk,
so a new route must say how it is scoped."""

import re
import uuid
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from kefu.accounts import access
from tests.conftest import SUITE_CLOCK, at

# Who may see what, not when: pinned to the suite's moment, so the clock reruns of `make test` skip it.
pytestmark = [pytest.mark.django_db, pytest.mark.clock(SUITE_CLOCK)]

# How each route is scoped:
#   object  — it names one object; asked for brand B's as an agent of brand A: 403 or 404, nothing of it shown
#   brand   — it names a brand (query string or body); brand B as an agent of brand A: 403
#   lead    — supervisors and admins only; an agent: 403
#   list    — a collection scoped to the user's brands; brand B's rows never in an agent of A's answer
#   self    — acts on the person asking only (their status, a check of their own draft, signing in and out)
#   public  — the customer's side (a chat page, its token, a health check)
ROUTES: dict[str, tuple[str, str, str, dict | None]] = {
    # name: (kind, method, path with {placeholders}, body)
    "api:POST /api/tickets": (
        "brand",
        "post",
        "/api/tickets",
        {"brand": "{brand_b}", "type": "查询", "channel": "phone", "subject": "越权建单"},
    ),
    "api:GET /api/tickets": ("list", "get", "/api/tickets?limit=200", None),
    "api:GET /api/tickets/breaches": ("list", "get", "/api/tickets/breaches", None),
    "api:GET /api/tickets/{number}": ("object", "get", "/api/tickets/{ticket}", None),
    "api:GET /api/tickets/{number}/events": ("object", "get", "/api/tickets/{ticket}/events", None),
    "api:POST /api/tickets/{number}/transition": (
        "object",
        "post",
        "/api/tickets/{ticket}/transition",
        {"to": "resolved"},
    ),
    "api:POST /api/tickets/{number}/assign": (
        "object",
        "post",
        "/api/tickets/{ticket}/assign",
        {"agent_no": "2001"},
    ),
    "api:POST /api/tickets/{number}/hand-off": (
        "object",
        "post",
        "/api/tickets/{ticket}/hand-off",
        {"department": "fenbo", "promise": "今天内"},
    ),
    "api:POST /api/tickets/{number}/escalate": (
        "object",
        "post",
        "/api/tickets/{ticket}/escalate",
        {"reason": "越权"},
    ),
    "api:POST /api/tickets/{number}/replies": (
        "object",
        "post",
        "/api/tickets/{ticket}/replies",
        {"body": "您好"},
    ),
    "api:POST /api/tickets/{number}/notes": ("object", "post", "/api/tickets/{ticket}/notes", {"body": "x"}),
    "api:POST /api/tickets/{number}/convert-to-complaint": (
        "object",
        "post",
        "/api/tickets/{ticket}/convert-to-complaint",
        {"reason": "x"},
    ),
    "api:POST /api/customers": (
        "brand",
        "post",
        "/api/customers",
        {"brand": "{brand_b}", "name": "越权", "phone": "13511112222"},
    ),
    "api:GET /api/customers": ("list", "get", "/api/customers?q=1&limit=200", None),
    "api:GET /api/customers/{customer_id}": ("object", "get", "/api/customers/{customer}", None),
    "api:PATCH /api/customers/{customer_id}": (
        "object",
        "patch",
        "/api/customers/{customer}",
        {"name": "改"},
    ),
    "api:GET /api/customers/{customer_id}/timeline": (
        "object",
        "get",
        "/api/customers/{customer}/timeline",
        None,
    ),
    "api:GET /api/chat/status": ("self", "get", "/api/chat/status", None),
    "api:POST /api/chat/status": ("self", "post", "/api/chat/status", {"status": "ready"}),
    "api:GET /api/chat/offers": ("list", "get", "/api/chat/offers", None),
    "api:POST /api/chat/offers/{offer_id}/claim": ("object", "post", "/api/chat/offers/{offer}/claim", None),
    "api:POST /api/chat/offers/{offer_id}/assign": (
        "lead",
        "post",
        "/api/chat/offers/{offer}/assign",
        {"agent_no": "2002"},
    ),
    "api:POST /api/chat/check": ("self", "post", "/api/chat/check", {"text": "您好"}),
    "api:POST /api/chat/sessions/{session_id}/reply": (
        "object",
        "post",
        "/api/chat/sessions/{session}/reply",
        {"body": "您好", "client_id": "x1"},
    ),
    "api:GET /api/chat/board": ("lead", "get", "/api/chat/board", None),
    "api:POST /api/express/scans": (
        "brand",
        "post",
        "/api/express/scans",
        {"brand": "{brand_b}", "scans": []},
    ),
    "api:POST /api/express/queries": (
        "brand",
        "post",
        "/api/express/queries",
        {"brand": "{brand_b}", "number": "{waybill}"},
    ),
    "api:POST /api/express/queries/{number}/escalate": (
        "object",
        "post",
        "/api/express/queries/{ticket}/escalate",
        {"reason": "x"},
    ),
    "api:POST /api/express/pickups": ("brand", "post", "/api/express/pickups", {"brand": "{brand_b}"}),
    "api:POST /api/express/pickups/{order_id}/actions": (
        "object",
        "post",
        "/api/express/pickups/{pickup}/actions",
        {"action": "picked_up"},
    ),
    "api:POST /api/express/claims": (
        "brand",
        "post",
        "/api/express/claims",
        {"brand": "{brand_b}", "waybill_number": "{waybill}", "claim": {}},
    ),
    "api:POST /api/express/claims/{claim_id}/state": (
        "object",
        "post",
        "/api/express/claims/{claim}/state",
        {"to": "closed", "note": "x"},
    ),
    "api:POST /api/express/problems": (
        "brand",
        "post",
        "/api/express/problems",
        {"brand": "{brand_b}", "waybill_number": "{waybill}", "kind": "damaged_packaging"},
    ),
    "api:POST /api/express/problems/{problem_id}/steps": (
        "object",
        "post",
        "/api/express/problems/{problem}/steps",
        {"step": 1},
    ),
    "api:POST /api/express/complaints": (
        "brand",
        "post",
        "/api/express/complaints",
        {"brand": "{brand_b}", "type": "delay", "description": "x"},
    ),
    # pages
    "express_hub": ("brand", "get", "/express/?brand={brand_b}", None),
    "express_query": ("brand", "get", "/express/query/?brand={brand_b}", None),
    "express_problems": ("brand", "get", "/express/problems/?brand={brand_b}", None),
    "express_problem_advance": ("object", "post", "/express/problems/{problem}/advance/", {"step": "x"}),
    "express_claims": ("brand", "get", "/express/claims/?brand={brand_b}", None),
    "express_claim_state": ("object", "post", "/express/claims/{claim}/state/", {"to": "closed"}),
    "express_complaint_new": ("brand", "get", "/express/complaints/new/?brand={brand_b}", None),
    "express_arrivals": ("brand", "get", "/express/arrivals/?brand={brand_b}", None),
    "express_pickup": ("brand", "get", "/express/pickup/?brand={brand_b}", None),
    "express_pickups": ("brand", "get", "/express/pickups/?brand={brand_b}", None),
    "express_pickup_action": ("object", "post", "/express/pickups/{pickup}/", {"action": "picked_up"}),
    "express_imports": ("lead", "get", "/express/imports/", None),
    "express_import_job": ("lead", "get", "/express/imports/{job}/", None),
    "express_import_rerun": ("lead", "post", "/express/imports/{job}/rerun/", {}),
    "express_settlements": ("lead", "get", "/express/settlements/", None),
    "express_settlement_run": ("lead", "post", "/express/settlements/run/", {"month": "2026-10"}),
    "express_settlement": ("lead", "get", "/express/settlements/2026-10/", None),
    "express_settlement_xlsx": ("lead", "get", "/express/settlements/2026-10/xlsx/", None),
    "express_statement": ("lead", "get", "/express/statements/{statement}/", None),
    "qa_list": ("list", "get", "/qa/", None),
    "qa_sheet": ("object", "get", "/qa/{sheet}/", None),
    "qa_sheet_action": ("object", "post", "/qa/{sheet}/action/", {"action": "appeal", "reason": "x"}),
    "chat_desk": ("self", "get", "/desk/", None),
    "chat_status": ("self", "post", "/desk/status/", {"status": "ready"}),
    "chat_offers": ("list", "get", "/desk/offers/", None),
    "chat_claim": ("object", "post", "/desk/offers/{offer}/claim/", {}),
    "chat_workspace": ("object", "get", "/desk/tickets/{ticket}/", None),
    "chat_workspace_panels": ("object", "get", "/desk/tickets/{ticket}/panels/", None),
    "chat_mine": ("self", "get", "/desk/chats/mine/", None),
    "chat_workspace_action": (
        "object",
        "post",
        "/desk/tickets/{ticket}/action/",
        {"action": "note", "body": "x"},
    ),
    "chat_check": ("self", "post", "/desk/check/", {"text": "您好"}),
    "chat_reply": ("object", "post", "/desk/chats/{session}/reply/", {"body": "您好"}),
    "chat_end": ("object", "post", "/desk/chats/{session}/end/", {}),
    "chat_take_over": ("object", "post", "/desk/chats/{session}/take-over/", {}),
    "chat_supervisor": ("lead", "get", "/desk/supervisor/", None),
    "chat_attendance": ("lead", "get", "/desk/attendance/", None),
    "chat_attachment": ("object", "get", "/chat/attachments/{attachment}/", None),
    "ticket_list": ("list", "get", "/tickets/?q=", None),
    "ticket_new": ("brand", "get", "/tickets/new/?brand={brand_b}", None),
    "breach_list": ("list", "get", "/tickets/breaches/", None),
    "ticket_detail": ("object", "get", "/tickets/{ticket}/", None),
    "ticket_action": ("object", "post", "/tickets/{ticket}/action/", {"action": "note", "body": "x"}),
    "account_lockouts": ("lead", "get", "/accounts/lockouts/", None),
    "account_unlock": ("lead", "post", "/accounts/lockouts/unlock/", {"username": "agent_b"}),
    "api:GET /api/rules/{brand}": ("lead", "get", "/api/rules/{brand_b}", None),
    "api:POST /api/rules/{brand}/diff": ("lead", "post", "/api/rules/{brand_b}/diff", {}),
    "api:PUT /api/rules/{brand}": ("lead", "put", "/api/rules/{brand_b}", {"reason": "越权"}),
    "rules_home": ("lead", "get", "/rules/", None),
    "rules_forbidden": ("lead", "get", "/rules/{brand_b}/", None),
    "rules_forbidden_edit": ("lead", "post", "/rules/{brand_b}/forbidden/edit/", {"action": "try"}),
    "rules_forbidden_action": ("lead", "post", "/rules/{brand_b}/forbidden/ask_me_who/", {"reason": "越权"}),
    "rules_phrases": ("lead", "get", "/rules/{brand_b}/phrases/", None),
    "rules_phrase_edit": ("lead", "post", "/rules/{brand_b}/phrases/opening/", {"lines": "您好"}),
    "rules_sla": ("lead", "get", "/rules/{brand_b}/sla/", None),
    "rules_sla_edit": ("lead", "post", "/rules/{brand_b}/sla/complaint/", {"amount": "1", "reason": "越权"}),
    "rules_history": ("lead", "get", "/rules/{brand_b}/history/", None),
    "rules_revert": ("lead", "post", "/rules/{brand_b}/history/1/revert/", {}),
    "rules_export": ("lead", "get", "/rules/{brand_b}/export/", None),
    # the customer's side and the door
    "chat_customer": ("public", "", "", None),
    "chat_customer_start": ("public", "", "", None),
    "chat_customer_upload": ("public", "", "", None),
    "chat_customer_rate": ("public", "", "", None),
    "chat_customer_leave": ("public", "", "", None),
    "healthz": ("public", "", "", None),
    "readyz": ("public", "", "", None),
    "login": ("public", "", "", None),
    "logout": ("self", "", "", None),
    "api-root": ("public", "", "", None),
    "openapi-json": ("self", "", "", None),
    "openapi-view": ("self", "", "", None),
}


def _pages() -> set[str]:
    """Names of every URL pattern outside the admin; the JSON API's operations are walked by _api_ops."""
    api_pages = {"api-root", "openapi-json", "openapi-view"}

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if not str(p.pattern).startswith("admin/"):
                    yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif (
                isinstance(p, URLPattern)
                and p.name
                and (not (prefix + str(p.pattern)).startswith("api/") or p.name in api_pages)
            ):
                yield p.name

    return set(walk(get_resolver().url_patterns))


def _api_ops() -> set[str]:
    from kefu.api import api

    schema = api.get_openapi_schema()
    return {f"api:{m.upper()} {path}" for path, ops in schema["paths"].items() for m in ops}


def test_every_route_says_how_it_is_scoped():
    routes = _pages() | _api_ops()
    assert not routes - set(ROUTES), (
        f"routes without a scoping entry in ROUTES: {sorted(routes - set(ROUTES))}"
    )
    assert not set(ROUTES) - routes, f"ROUTES names routes that do not exist: {sorted(set(ROUTES) - routes)}"


@pytest.fixture
def foreign(cast, ticket_types, settings, tmp_path):
    """Brand B's objects of every kind a route can name."""
    from django.core.files.base import ContentFile

    from kefu.chat.models import ChatMessage, ChatSession, Offer
    from kefu.express.models import (
        Claim,
        ImportJob,
        PickupOrder,
        ProblemParcel,
        Settlement,
        Statement,
        Station,
        Waybill,
    )
    from kefu.qa.models import ScoreSheet
    from kefu.tickets import services
    from kefu.tickets.selectors import ticket_type_get

    settings.MEDIA_ROOT = tmp_path
    b, t0 = cast.brand_b, at("2026-10-20 10:00")

    made = []

    def ticket(subject):
        made.append(
            services.ticket_create(
                brand=b,
                type=ticket_type_get("查询"),
                channel="phone",
                subject=subject,
                customer=cast.customer_b,
                actor=None,
                at=t0,
            )
        )
        return made[-1]

    station = Station.objects.create(brand=b, code="FQ01", name="福清站", province="福建", city="福州")
    waybill = Waybill.objects.create(
        brand=b,
        number="XTJ300000000001",
        origin=station,
        destination=station,
        weight_kg=Decimal("1"),
        freight=Decimal("12"),
        shipped_at=t0,
        sender_name="张三",
        sender_phone="13700137000",
    )
    t = ticket("乙方的工单")
    t.clocks.update(breached_at=t0)
    session = ChatSession.objects.create(
        brand=b, ticket=ticket("乙方的会话"), started_at=t0, token=uuid.uuid4()
    )
    message = ChatMessage.objects.create(
        session=session,
        seq=1,
        client_id="c1",
        sender="customer",
        created_at=t0,
        attachment=ContentFile(b"\x89PNG\r\n\x1a\n", name="a.png"),
    )
    offer = Offer.objects.create(ticket=session.ticket, brand=b, session=session, created_at=t0)
    pickup = PickupOrder.objects.create(
        brand=b,
        customer_name="张三",
        origin="福州",
        destination="上海",
        item_name="衣服",
        pieces=1,
        weight_kg=Decimal("1"),
        contact_name="张三",
        phone="13700137000",
        address="福清市音西街道 1 号",
        price=Decimal("12"),
        pickup_from=t0,
        pickup_until=t0,
        status="dispatched",
        created_at=t0,
    )
    claim = Claim.objects.create(
        ticket=ticket("乙方的理赔"),
        waybill=waybill,
        claimant_name="张三",
        reason="lost",
        eligible=True,
        amount=Decimal("12"),
        filed_at=t0,
        updated_at=t0,
    )
    problem = ProblemParcel.objects.create(
        waybill=waybill,
        kind="damaged",
        ticket=ticket("乙方的问题件"),
        reported_by=station,
        origin=station,
        created_at=t0,
    )
    job = ImportJob.objects.create(
        brand=b,
        kind="scans",
        file_name="s.csv",
        path=str(tmp_path / "s.csv"),
        size=1,
        created_by=cast.supervisor,
        created_at=t0,
    )
    settlement = Settlement.objects.create(brand=b, month=at("2026-10-01 00:00").date(), created_at=t0)
    statement = Statement.objects.create(
        settlement=settlement,
        customer=cast.customer_b,
        area="福州",
        waybills=1,
        incoming_total=0,
        outgoing_total=0,
        total=0,
        recorded_total=0,
    )
    sheet = ScoreSheet.objects.create(
        ticket=session.ticket,
        agent=cast.agent_b,
        channel="chat",
        profile="xintianjie",
        sheet={"items": []},
        total=90,
        max_score=100,
        pass_score=80,
        passed=True,
        scored_at=t0,
    )
    return {
        "brand_b": b.code,
        "ticket": t.number,
        "customer": cast.customer_b.pk,
        "session": session.pk,
        "offer": offer.pk,
        "attachment": message.pk,
        "pickup": pickup.pk,
        "claim": claim.pk,
        "problem": problem.pk,
        "job": job.pk,
        "statement": statement.pk,
        "sheet": sheet.pk,
        "waybill": waybill.number,
        # what must never reach an agent of brand A: the customer, their number, brand B's tickets
        "secrets": ["张三", "13700137000", *(m.number for m in made), "乙方的"],
    }


def _fill(value, objects):
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: str(objects[m.group(1)]), value)
    if isinstance(value, dict):
        return {k: _fill(v, objects) for k, v in value.items()}
    return value


def _call(client, token, method, path, body):
    if path.startswith("/api/"):
        headers = {"Authorization": f"Bearer {token}"}
        if method == "get":
            return client.get(path, headers=headers)
        return getattr(client, method)(path, body or {}, content_type="application/json", headers=headers)
    return client.get(path) if method == "get" else client.post(path, body or {})


@pytest.mark.parametrize("name", sorted(n for n, r in ROUTES.items() if r[0] in {"object", "brand", "lead"}))
def test_an_agent_of_brand_a_is_refused_brand_bs_objects_and_supervisor_routes(name, client, cast, foreign):
    kind, method, path, body = ROUTES[name]
    client.force_login(cast.agent_a)
    response = _call(client, cast.token_a, method, _fill(path, foreign), _fill(body, foreign))
    assert response.status_code in ({403} if kind == "lead" else {403, 404}), (
        name,
        response.status_code,
        response.content[:300].decode(errors="replace"),
    )
    text = response.content.decode(errors="replace")
    assert not any(secret in text for secret in foreign["secrets"]), (name, text[:300])


@pytest.mark.parametrize("name", sorted(n for n, r in ROUTES.items() if r[0] == "list"))
def test_lists_never_show_an_agent_another_brands_rows(name, client, cast, foreign):
    _, method, path, _ = ROUTES[name]
    client.force_login(cast.agent_a)
    response = _call(client, cast.token_a, method, _fill(path, foreign), None)
    assert response.status_code == 200, (name, response.status_code)
    text = response.content.decode(errors="replace")
    assert not any(secret in text for secret in foreign["secrets"]), (name, text[:500])
    # …and the same list does show them to the supervisor granted brand B: the check can fail.
    client.force_login(cast.supervisor)
    seen = _call(client, cast.token_sup, method, _fill(path, foreign), None).content.decode(errors="replace")
    # (a search for "1" need not find 张三; the desk's offer list is shown only to someone 就绪)
    if name not in {"api:GET /api/customers", "chat_offers"}:
        assert any(secret in seen for secret in foreign["secrets"]), name


def test_a_supervisor_sees_the_brands_of_their_team_and_those_granted(cast):
    from kefu.accounts.models import User

    plain = User.objects.create_user(
        "sup2", password="pw-123456", agent_no="2009", role="supervisor", team=cast.team_a
    )
    assert list(access.brands_for(plain)) == [cast.brand_a]
    assert set(access.brands_for(cast.supervisor)) == {cast.brand_a, cast.brand_b}
    assert set(access.brands_for(cast.admin)) == {cast.brand_a, cast.brand_b}
    assert list(access.brands_for(cast.agent_b)) == [cast.brand_b]
    plain.is_active = False
    assert list(access.brands_for(plain)) == []


def test_a_supervisor_without_the_grant_is_refused_brand_b(client, cast, foreign):
    from kefu.accounts.models import ApiToken, User

    plain = User.objects.create_user(
        "sup2", password="pw-123456", agent_no="2009", role="supervisor", team=cast.team_a
    )
    token = ApiToken.objects.create(user=plain).key
    assert _call(client, token, "get", f"/api/tickets/{foreign['ticket']}", None).status_code == 403
    client.force_login(plain)
    assert client.get(f"/express/statements/{foreign['statement']}/").status_code == 403
    assert foreign["ticket"] not in client.get("/tickets/?q=").content.decode()


# ---------------------------------------------------------------- writes that name a brand, a customer or a person


def test_intake_customer_creation_and_assignment_across_brands_are_refused(
    api_a, api_sup, cast, ticket_types
):
    from kefu.customers.models import Customer
    from kefu.tickets.models import Ticket

    intake = api_a.post(
        "/tickets",
        {
            "brand": "xintianjie",
            "type": "查询",
            "channel": "phone",
            "subject": "查件",
            "customer": {"name": "张三", "phone": "13700137000"},
        },
    )
    assert intake.status_code == 403 and "张三" not in intake.content.decode()
    created = api_a.post("/customers", {"brand": "xintianjie", "name": "越权", "phone": "13511112222"})
    assert created.status_code == 403
    assert not Ticket.objects.exists() and not Customer.objects.filter(name="越权").exists()

    own = api_a.post("/tickets", {"brand": "oufei", "type": "查询", "channel": "phone", "subject": "查件"})
    assert own.status_code == 201
    number = own.json()["number"]
    # An agent may not hand work to anyone; a supervisor may not hand it to an agent of another brand.
    assert api_a.post(f"/tickets/{number}/assign", {"agent_no": "2000"}).status_code == 403
    refused = api_sup.post(f"/tickets/{number}/assign", {"agent_no": "2002"})
    assert refused.status_code == 403 and "不服务品牌" in refused.json()["message"]
    assert api_sup.post(f"/tickets/{number}/assign", {"agent_no": "2001"}).status_code == 200


def test_an_agent_may_not_change_commercial_terms_and_a_supervisors_change_is_audited(api_a, api_sup, cast):
    from auditlog.models import LogEntry

    customer = cast.customer_a.pk
    for terms in ({"vip_level": 5}, {"contract_discount": "0.5"}, {"contract_code": "YJ-9"}):
        refused = api_a.patch(f"/customers/{customer}", terms)
        assert refused.status_code == 403, terms
        assert "VIP" in refused.json()["message"]
    assert api_a.patch(f"/customers/{customer}", {"address": "福州市鼓楼区 1 号"}).status_code == 200
    assert api_sup.patch(f"/customers/{customer}", {"vip_level": 4}).status_code == 200

    changes = [
        (e.actor, e.changes_dict) for e in LogEntry.objects.get_for_object(cast.customer_a).order_by("id")
    ]
    assert (cast.agent_a, {"address": ["", "福州市鼓楼区 1 号"]}) in changes
    assert (cast.supervisor, {"vip_level": ["0", "4"]}) in changes
    cast.customer_a.refresh_from_db()
    assert cast.customer_a.vip_level == 4


def test_null_where_a_field_cannot_be_null_is_refused_in_chinese(api_sup, cast):
    for field in ("vip_level", "name", "phone"):
        response = api_sup.patch(f"/customers/{cast.customer_a.pk}", {field: None})
        assert response.status_code == 400, field
        assert response.json()["field"] == field and "不能为空" in response.json()["message"]


def test_an_agent_cannot_list_customers_without_a_search_term(api_a, api_sup, cast):
    refused = api_a.get("/customers", limit=200)
    assert refused.status_code == 400 and "查找客户" in refused.json()["message"]
    assert {c["name"] for c in api_a.get("/customers", q="王").json()} == {"王小明"}
    assert {c["name"] for c in api_sup.get("/customers", limit=200).json()} == {"王小明", "李红", "张三"}


# ---------------------------------------------------------------- the access log


def test_every_view_of_a_customer_writes_one_access_log_row(client, api_a, cast, ticket_types):
    """The screen pop is walked in tests/chat/test_identity.py."""
    from django.test import Client

    from kefu.customers.models import CustomerAccessLog

    number = api_a.post(
        "/tickets",
        {
            "brand": "oufei",
            "type": "查询",
            "channel": "phone",
            "subject": "查件",
            "customer_id": cast.customer_a.pk,
        },
    ).json()["number"]
    client.force_login(cast.agent_a)
    admin = Client()
    admin.force_login(cast.admin)
    customer = cast.customer_a.pk
    views = {
        "API 客户资料": lambda: api_a.get(f"/customers/{customer}"),
        "API 客户时间线": lambda: api_a.get(f"/customers/{customer}/timeline"),
        f"API 工单 {number}": lambda: api_a.get(f"/tickets/{number}"),
        f"工单页 {number}": lambda: client.get(f"/tickets/{number}/"),
        f"坐席工作区 {number}": lambda: client.get(f"/desk/tickets/{number}/"),
        "后台管理 客户资料": lambda: admin.get(f"/admin/customers/customer/{customer}/change/"),
    }
    for via, view in views.items():
        last = CustomerAccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
        assert view().status_code == 200, via
        written = CustomerAccessLog.objects.filter(id__gt=last).values_list("via", "customer_id")
        assert list(written) == [(via, customer)], via


def test_the_access_log_outlives_the_customer(api_a, cast):
    from kefu.customers.models import CustomerAccessLog

    api_a.get(f"/customers/{cast.customer_a.pk}")
    cast.customer_a.delete()
    row = CustomerAccessLog.objects.get()
    assert (row.customer, row.customer_ref, row.customer_name, row.brand, row.user) == (
        None,
        row.customer_ref,
        "王小明",
        cast.brand_a,
        cast.agent_a,
    )


def test_the_pickup_list_masks_phones_for_agents_and_not_for_supervisors(client, cast, foreign):
    client.force_login(cast.agent_b)
    page = client.get("/express/pickups/?brand=xintianjie").content.decode()
    assert "137****7000" in page and "13700137000" not in page
    client.force_login(cast.supervisor)
    assert "13700137000" in client.get("/express/pickups/?brand=xintianjie").content.decode()


def test_the_readme_table_is_the_permissions_table_and_every_permission_is_checked_somewhere():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text()
    source = "\n".join(p.read_text() for p in (root / "kefu").rglob("*.py") if "migrations" not in p.parts)
    for code, (label, roles) in access.PERMISSIONS.items():
        marks = " | ".join(
            "✓" if r in roles else "—" for r in (access.AGENT, access.SUPERVISOR, access.ADMIN)
        )
        assert f"| `{code}` | {label} | {marks} |" in readme, code
        assert source.count(f'"{code}"') >= 2, f"{code} is in the table but no code checks it"


def test_a_statement_and_a_months_excel_write_the_access_log_for_their_customers(client, cast, foreign):
    from kefu.customers.models import CustomerAccessLog

    client.force_login(cast.supervisor)
    assert client.get(f"/express/statements/{foreign['statement']}/").status_code == 200
    assert client.get("/express/settlements/2026-10/xlsx/?brand=xintianjie").status_code == 200
    written = CustomerAccessLog.objects.order_by("id").values_list("via", "customer_id", "user")
    assert list(written) == [
        ("对账单 2026-10", cast.customer_b.pk, cast.supervisor.pk),
        ("月结 Excel 2026-10", cast.customer_b.pk, cast.supervisor.pk),
    ]
