"""A ready cast for Django tests: two brands, their agents, a supervisor and an admin, and API clients.

The suite runs on a stated clock (kefu.timeutil): KEFU_NOW when it is set (`make test-dates` sets each date of
CLOCKS in the Makefile), else SUITE_CLOCK. Every test starts at that moment, `kefu serve` and `kefu demo-data`
started by a test included; a test that needs another moment says so with `@pytest.mark.clock("…")` or passes
`at=`. `--clock-report FILE` writes the tests that read the clock; `--clock-tests FILE` runs only those.
"""

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kefu import timeutil

SH = ZoneInfo("Asia/Shanghai")
SUITE_CLOCK = "2026-11-24 10:00"  # a Tuesday, in every brand's service hours: the demo seed's day


def at(text: str) -> datetime:
    """An aware Asia/Shanghai datetime from '2026-09-30 16:00'."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def pytest_addoption(parser):
    parser.addoption("--clock-report", metavar="FILE", help="write the ids of the tests that read the clock")
    parser.addoption("--clock-tests", metavar="FILE", help="run only the tests listed in FILE")


def pytest_configure(config):
    config.addinivalue_line("markers", "clock(moment): the moment this test's clock starts at")
    # The tests make a few accounts each: a password hashed at Django's default strength takes most of a second
    # here, most of a test's set-up. The suite's own accounts use a fast hasher (Django's advice for tests); the
    # servers the browser tests start, and their demo accounts, keep the default.
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    config.suite_clock = timeutil.parse_moment(os.environ.get("KEFU_NOW") or SUITE_CLOCK)
    report = config.getoption("clock_report")
    if report and not hasattr(config, "workerinput"):  # the controller starts the file; workers append
        Path(report).parent.mkdir(parents=True, exist_ok=True)
        Path(report).write_text("")


def pytest_collection_modifyitems(config, items):
    listed = config.getoption("clock_tests")
    if listed:
        wanted = set(Path(listed).read_text().splitlines())  # one id a line: ids may hold spaces
        config.hook.pytest_deselected(items=[i for i in items if i.nodeid not in wanted])
        items[:] = [i for i in items if i.nodeid in wanted]


@pytest.fixture(autouse=True)
def _clock(request):
    """Start the test at the suite's moment (or its own), here and in the processes it starts."""
    marker = request.node.get_closest_marker("clock")
    timeutil.set_clock(marker.args[0] if marker else request.config.suite_clock)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Note the tests whose body reads the clock (and the browser tests, whose servers do), so that
    `make test` runs them again at every date of CLOCKS."""
    report = item.config.getoption("clock_report")
    if report:
        report = item.config.invocation_params.dir / report  # a test may change the working directory
    if not report or item.get_closest_marker("clock"):
        return (yield)
    reads = []
    read = timeutil._clock.read
    timeutil._clock.read = lambda: reads.append(1) or read()
    try:
        return (yield)
    finally:
        del timeutil._clock.read
        if reads or item.get_closest_marker("browser"):
            with open(report, "a") as out:
                out.write(item.nodeid + "\n")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits count in Django's cache: every test starts with nothing counted. Local memory is emptied; a
    shared cache (KEFU_REDIS_URL set) is never flushed, the test gets keys of its own instead."""
    import uuid

    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    from kefu.rules import selectors as rules

    rules.forget_all()  # brands' rules built by an earlier test (its rows rolled back, their ids given out again)
    default = caches["default"]
    if isinstance(default, LocMemCache):
        default.clear()
        yield
        return
    saved = default.key_prefix
    default.key_prefix = f"{saved}test-{uuid.uuid4().hex}"
    # A change bumps the brand's rules version in Redis once it commits, which a test's transaction never does:
    # here the version is read from the database, as without Redis (the Redis path runs across two real
    # processes in tests/browser/test_rules.py).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rules, "rules_version", rules._db_version)
        yield
    default.key_prefix = saved


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
    # Leads team A and is granted brand B too (kefu.accounts.access.brands_for); tests/test_access.py has one who is not.
    c.supervisor.granted_brands.set([c.brand_b])
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
