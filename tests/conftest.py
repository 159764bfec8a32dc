"""A ready cast for Django tests: two brands, their agents, a supervisor and an admin, and API clients."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """An aware Asia/Shanghai datetime from '2026-09-30 16:00'."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def cast(db):
    from kefu.accounts.models import ApiToken, Team, User
    from kefu.brands.models import Brand
    from kefu.customers.services import customer_create

    class Cast:
        pass

    _ensure_reference_data()
    c = Cast()
    c.brand_a = Brand.objects.create(
        code="oufei", name="欧飞", greeting_name="欧飞", hotline="400-700-5050", profile="oufei"
    )
    c.brand_b = Brand.objects.create(
        code="xintianjie",
        name="信天捷快递",
        greeting_name="信天捷快递",
        hotline="400-820-1234",
        profile="xintianjie",
    )
    c.team_a = Team.objects.create(name="A 组")
    c.team_a.brands.set([c.brand_a])
    c.team_b = Team.objects.create(name="B 组")
    c.team_b.brands.set([c.brand_b])
    c.agent_a = User.objects.create_user(
        "agent_a", password="pw-123456", agent_no="2001", display_name="王芳", team=c.team_a
    )
    c.agent_b = User.objects.create_user(
        "agent_b", password="pw-123456", agent_no="2002", display_name="李娜", team=c.team_b
    )
    c.supervisor = User.objects.create_user(
        "sup",
        password="pw-123456",
        agent_no="2000",
        display_name="赵主管",
        role=User.Role.SUPERVISOR,
        team=c.team_a,
    )
    c.admin = User.objects.create_superuser("root", password="pw-123456", role=User.Role.ADMIN)
    c.customer_a = customer_create(brand=c.brand_a, name="王小明", phone="13800138000", gender="male")
    c.vip_a = customer_create(brand=c.brand_a, name="李红", phone="13900139000", gender="female", vip_level=3)
    c.customer_b = customer_create(brand=c.brand_b, name="张三", phone="13700137000", gender="male")
    c.token_a = ApiToken.objects.create(user=c.agent_a).key
    c.token_b = ApiToken.objects.create(user=c.agent_b).key
    c.token_sup = ApiToken.objects.create(user=c.supervisor).key
    return c


class Api:
    """A JSON client speaking as one user through a bearer token."""

    def __init__(self, client, token):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def get(self, path, **params):
        return self.client.get(f"/api{path}", params, headers=self.headers)

    def post(self, path, body=None, headers=None):
        return self.client.post(
            f"/api{path}",
            body or {},
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
        )

    def patch(self, path, body):
        return self.client.patch(f"/api{path}", body, content_type="application/json", headers=self.headers)


@pytest.fixture
def api_a(client, cast):
    return Api(client, cast.token_a)


@pytest.fixture
def api_b(client, cast):
    return Api(client, cast.token_b)


@pytest.fixture
def api_sup(client, cast):
    return Api(client, cast.token_sup)


def _ensure_reference_data():
    """Rows the data migrations add; a flush after a committing test removes them."""
    import importlib

    from django.apps import apps

    importlib.import_module("kefu.tickets.migrations.0002_ticket_types_and_append_only").add_types(apps, None)
    importlib.import_module("kefu.tickets.migrations.0003_problem_parcel_type").add_types(apps, None)
    importlib.import_module("kefu.accounts.migrations.0002_departments").add(apps, None)


@pytest.fixture
def ticket_types(db):
    from kefu.tickets.models import TicketType

    _ensure_reference_data()

    return {t.name: t for t in TicketType.objects.all()}


@pytest.fixture
def new_ticket(cast, ticket_types):
    from kefu.tickets.services import ticket_create

    def make(type_name="咨询", *, when=None, customer=None, channel="phone", brand=None):
        return ticket_create(
            brand=brand or cast.brand_a,
            type=ticket_types[type_name],
            channel=channel,
            subject=f"{type_name}测试",
            customer=customer or cast.customer_a,
            actor=cast.agent_a,
            at=when,
        )

    return make


@pytest.fixture(autouse=True)
def _history_guard(request):
    """Tests that commit (threads, parallel sweeps) are cleaned by a flush, which the guard would refuse on
    SQLite: lift the guard just for the flush and put it back for the next test."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction"))
    if "db" not in request.fixturenames and not transactional:
        yield
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.db import connection

    from kefu.tickets import history_guard

    history_guard.install(connection)
    yield
    if transactional:
        history_guard.uninstall(connection)
