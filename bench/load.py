"""Load benchmark: kefu against django-helpdesk 2.6.1 (the field's Python peer), same client, same run.

    .venv/bin/python bench/load.py [--db sqlite|postgres] [--tickets 1000] [--workers 1] [--rev HEAD]

Everything is on loopback and bounded: two servers on 127.0.0.1 (free ports), each phase runs for --duration
seconds (a request still in flight then is waited for, at most --timeout seconds), and the servers this script
started are stopped at the end (their whole process group), whatever happened. A run at 1,000 tickets takes
about 3½ minutes.

What it sets up (under --work-dir: $KEFU_VAR_DIR/bench when that is set, else var/bench):
- django-helpdesk 2.6.1 in its own virtual environment (helpdesk-venv/, by pip from the package registry,
  pinned, with the same versions of Django, the ASGI server and psycopg as kefu's environment) and a minimal
  Django project for it (helpdesk-project/): its REST API behind DRF's TokenAuthentication under the keyword
  "Bearer", so both sides get the same `Authorization: Bearer <token>` header (a staff user, as its API
  requires); its own database (SQLite file, or PostgreSQL database helpdesk_bench) with the connection options
  kefu's settings give kefu (SQLite pragmas and lock wait; PostgreSQL pool) and persistent connections off;
  a bare /healthz/ page; e-mail to the dummy backend.
- kefu with its own KEFU_VAR_DIR (kefu-var/) and database (SQLite file, or PostgreSQL database kefu_bench):
  `kefu migrate`, `kefu demo-data --tickets 0` (brands, people, the supervisor's API token), then N tickets
  in bulk (executemany on SQLite; COPY on PostgreSQL). The peer gets N too,
  at most 10,000 (see PEER_MAX). The API's intake limit (60 a minute per user) is raised for the run.
- kefu as committed at --rev (exported with git archive) or, without it, the working tree as it is.
- `kefu serve` (with --workers N when N > 1, and Redis, which kefu requires for that); the peer under the same
  ASGI server as kefu serve uses (uvicorn; daphne on older trees) with the same number of worker processes.

Phases, each side in turn (kefu, then the peer) so that a change in the shared machine's load hits both:
a bare page (/healthz/), the ticket list (first page of 50) at 10/50/100 clients, ticket creation at 10/50
clients (a ticket for an existing customer). Each client is a task with its own keep-alive connection that
sends its next request when the last answer is read (aiohttp, closed loop). Reported per phase and side:
successful (2xx) requests per second over the phase's wall time, p50/p99 latency of the successful requests,
errors (non-2xx by status with sample bodies, the exceptions the server logged, connection errors and
time-outs), the server's CPU time per request (every process of its group) and the ratios kefu/peer. On
PostgreSQL the connections each database holds are sampled every second, and a phase is halted when the
measured side's database holds more than --pg-cap (the server's 100 are shared with everyone on the machine).
A server whose requests timed out or whose phase was halted is restarted before the next phase.

Writes <work-dir>/load-<db>-<tickets>.json, .md (the tables for docs/PERFORMANCE.md) and .log. Last line:
load db=<db> tickets=<n> list100_rps_ratio=<x> create50_rps_ratio=<x> kefu_errors=<n> peer_errors=<n>
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELPDESK = "django-helpdesk==2.6.1"
PEER = "django-helpdesk 2.6.1"
PG_URL = "postgresql://postgres@127.0.0.1:5432"
KEFU_DB, PEER_DB = "kefu_bench", "helpdesk_bench"
KEFU_TOKEN = "demo-supervisor-token"  # kefu demo-data gives the supervisor this token
PEER_TOKEN = "bench-helpdesk-token-0000000000000000001"[:40]
# The peer's list endpoint reads every ticket of the table for each request (TicketViewSet.get_queryset calls
# set_custom_field_values on each, one query apiece) before it pages: at a million tickets no request would
# answer within the time-out, and 100 concurrent ones would hold 100 copies of the table in memory on a machine
# others share. Above this the peer gets this many (which favours the peer in every ratio).
PEER_MAX = 10_000
PEER_WHY = "the peer's ticket list reads the whole table for every request"
PAGE = 50  # tickets per list page on both sides (kefu's default; the peer asked for page_size=50)
SAMPLE_BODIES = 3  # answer bodies kept per kind of error
BODY_CHARS = 600


# ------------------------------------------------------------------ figures


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile by the nearest-rank method: the smallest value with at least p % of the values at or
    below it (so p99 of 100 values is the 99th smallest, and of 10 values the largest). None when empty."""
    if not values:
        return None
    if not 0 < p <= 100:
        raise ValueError("p must be in (0, 100]")
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


@dataclass
class PhaseStats:
    """What a load client saw in one phase against one server."""

    ok_latencies: list[float] = field(default_factory=list)  # seconds, 2xx answers only
    statuses: Counter = field(default_factory=Counter)  # every answer's HTTP status
    error_bodies: dict[str, list[str]] = field(
        default_factory=dict
    )  # "HTTP 500" / "ConnectionError" → samples
    connection_errors: Counter = field(default_factory=Counter)  # no answer: kind → count
    elapsed: float = 0.0  # seconds from the first request sent to the last answer read

    def answer(self, status: int, latency: float, body: bytes) -> None:
        self.statuses[status] += 1
        if 200 <= status < 300:
            self.ok_latencies.append(latency)
        else:
            text = body.decode("utf-8", "replace")
            with contextlib.suppress(ValueError):  # JSON bodies shown with their Chinese, not \u escapes
                text = json.dumps(json.loads(text), ensure_ascii=False)
            self._sample(f"HTTP {status}", text)

    def failure(self, kind: str, message: str) -> None:
        self.connection_errors[kind] += 1
        self._sample(kind, message)

    def _sample(self, key: str, text: str) -> None:
        kept = self.error_bodies.setdefault(key, [])
        if len(kept) < SAMPLE_BODIES:
            kept.append(" ".join(text.split())[:BODY_CHARS])

    @property
    def ok(self) -> int:
        return len(self.ok_latencies)

    @property
    def errors(self) -> int:
        return sum(n for s, n in self.statuses.items() if not 200 <= s < 300) + sum(
            self.connection_errors.values()
        )

    def summary(self) -> dict:
        ms = [v * 1000 for v in self.ok_latencies]
        return {
            "ok": self.ok,
            "errors": self.errors,
            "rps": round(self.ok / self.elapsed, 2) if self.elapsed else 0.0,
            "p50_ms": _round(percentile(ms, 50)),
            "p99_ms": _round(percentile(ms, 99)),
            "max_ms": _round(max(ms) if ms else None),
            "elapsed_s": round(self.elapsed, 2),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "connection_errors": dict(self.connection_errors),
            "error_samples": self.error_bodies,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# ------------------------------------------------------------------ the load client


@dataclass
class Target:
    """One side: where it listens and how to ask it for the three kinds of request."""

    name: str
    base: str
    token: str
    list_path: str
    create_path: str
    create_body: object  # callable(n) -> dict
    health_path: str = "/healthz/"

    def request(self, kind: str, n: int) -> tuple[str, str, dict | None]:
        if kind == "health":
            return "GET", self.base + self.health_path, None
        if kind == "list":
            return "GET", self.base + self.list_path, None
        return "POST", self.base + self.create_path, self.create_body(n)  # type: ignore[operator]


async def run_phase(
    target: Target,
    kind: str,
    clients: int,
    duration: float,
    timeout: float,
    halt: asyncio.Event | None = None,
) -> PhaseStats:
    """`clients` tasks, each on its own keep-alive connection, sending requests back to back until `duration`
    seconds have passed (or `halt` is set); a request in flight then is waited for (at most `timeout` seconds)."""
    import aiohttp

    stats = PhaseStats()
    loop = asyncio.get_running_loop()
    headers = {"Authorization": f"Bearer {target.token}", "Accept": "application/json"}
    counter = iter(range(10**9))
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
    async with aiohttp.ClientSession(
        connector=connector, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
    ) as session:
        started = loop.time()
        deadline = started + duration

        async def client() -> None:
            while loop.time() < deadline and not (halt and halt.is_set()):
                method, url, body = target.request(kind, next(counter))
                t0 = time.perf_counter()
                try:
                    async with session.request(method, url, json=body) as resp:
                        data = await resp.read()
                    stats.answer(resp.status, time.perf_counter() - t0, data)
                except TimeoutError:
                    stats.failure("timeout", f"no answer within {timeout:g} s")
                except (aiohttp.ClientError, OSError) as exc:
                    stats.failure(type(exc).__name__, str(exc))
                    await asyncio.sleep(0.05)  # a refused connection must not become a busy loop

        await asyncio.gather(*(client() for _ in range(clients)))
        stats.elapsed = loop.time() - started
    return stats


# ------------------------------------------------------------------ bulk loading (runs inside Django)


def bulk_insert(model, count: int, row, batch: int = 20_000) -> None:
    """Write `count` rows of `model`; row(i) gives some fields' values by attname, the other fields get their
    default (called per row when it is a callable), None when nullable or "" for text; generated columns are
    the database's. executemany on SQLite,
    COPY on PostgreSQL; the primary key is left to the database."""
    from django.db import connection, models, transaction

    fields = [
        f for f in model._meta.concrete_fields if not f.primary_key and not getattr(f, "generated", False)
    ]
    given = set(row(0))
    prep = []
    for f in fields:
        if f.attname in given:
            if isinstance(f, models.DateTimeField):
                prep.append(lambda v, _f=f: connection.ops.adapt_datetimefield_value(v))
            elif isinstance(f, models.JSONField):
                prep.append(lambda v, _f=f: _f.get_db_prep_save(v, connection))
            else:
                prep.append(None)
        elif f.has_default():
            prep.append(lambda _v, _f=f: _f.get_db_prep_save(_f.get_default(), connection))
        elif f.null:
            prep.append(lambda _v: None)
        elif isinstance(f, models.CharField | models.TextField):
            prep.append(lambda _v: "")
        else:
            raise SystemExit(f"bench/load.py: {model.__name__}.{f.name} needs a value for the bulk load")
    names = [f.attname for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)

    def rows(start: int, stop: int):
        for i in range(start, stop):
            values = row(i)
            yield tuple((p(values.get(n)) if p else values[n]) for n, p in zip(names, prep, strict=True))

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The rows are generated consistent: no per-row foreign-key or trigger work. (The indexes stay: built
            # after the COPY on a table that demo-data has updated, they would be marked indcheckxmin and go unused
            # while anyone's older transaction is open on the shared server.)
            cursor.execute("SET LOCAL session_replication_role = replica")
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in rows(0, count):
                    copy.write_row(values)
        else:
            marks = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
            for start in range(0, count, batch):
                cursor.executemany(sql, list(rows(start, min(count, start + batch))))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")


def _minutes_back(i: int, base: datetime) -> datetime:
    """Ticket i was opened i minutes before `base` (the last minute of yesterday): one a minute, ~694 days for
    a million, so a day never holds more than 1,440 and kefu's numbers KF-<day>-9<minute of the day> are
    unique and far above any day's counter (the demo's tickets, today's new ones)."""
    return base - timedelta(minutes=i)


def setup_kefu(count: int) -> dict:
    """Inside kefu (DJANGO_SETTINGS_MODULE=kefu.settings), after migrate and demo-data: N tickets in bulk."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from kefu.accounts.models import ApiToken, User
    from kefu.brands.models import Brand
    from kefu.customers.models import Customer
    from kefu.tickets.models import Channel, Ticket, TicketType
    from kefu.tickets.rules import OPEN_STATUSES, Status
    from kefu.timeutil import local_now

    supervisor = ApiToken.objects.get(key=KEFU_TOKEN).user
    agents = list(User.objects.filter(is_active=True).exclude(agent_no="").order_by("id"))
    brands = list(Brand.objects.order_by("id"))
    types = list(TicketType.objects.order_by("id"))
    customers = {b.pk: list(Customer.objects.filter(brand=b).values_list("pk", flat=True)) for b in brands}
    channels = [c.value for c in Channel]
    open_statuses = sorted(s.value for s in OPEN_STATUSES)
    now = local_now()
    base = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(minutes=1)

    def row(i: int) -> dict:
        at = _minutes_back(i, base)
        brand, kind = brands[i % len(brands)], types[(i // 5) % len(types)]
        pool = customers[brand.pk]
        band = i % 20  # 70 % closed, 15 % resolved, 15 % open in one of the open statuses
        status = (
            Status.CLOSED.value
            if band < 14
            else Status.RESOLVED.value
            if band < 17
            else open_statuses[(i // 20) % len(open_statuses)]
        )
        done = status in (Status.CLOSED.value, Status.RESOLVED.value)
        return {
            "number": f"KF-{at:%Y%m%d}-{900_001 + at.hour * 60 + at.minute:06d}",
            "brand_id": brand.pk,
            "customer_id": pool[i % len(pool)] if pool and i % 5 else None,
            "type_id": kind.pk,
            "channel": channels[i % len(channels)],
            "status": status,
            "priority": 1 + (i * 7) % 4,
            "subject": f"{kind.name}：批量载入的工单 {i}",
            "description": "压测数据",
            "waybill_number": f"SF{1400000000000 + i}" if i % 3 == 0 else "",
            "assignee_id": agents[i % len(agents)].pk if agents and status != Status.NEW.value else None,
            "created_by_id": supervisor.pk,
            "created_at": at,
            "updated_at": at + timedelta(hours=2) if done else at,
            "resolved_at": at + timedelta(hours=1) if done else None,
            "closed_at": at + timedelta(hours=2) if status == Status.CLOSED.value else None,
        }

    started = time.perf_counter()
    bulk_insert(Ticket, count, row)
    loaded_s = time.perf_counter() - started
    brand = next(b for b in brands if b.code == "xintianjie")
    db = settings.DATABASES["default"]
    return {
        "tickets": Ticket.objects.count(),
        "load_s": round(loaded_s, 2),
        "brand": brand.code,
        "type": "consult",
        "customer_ids": customers[brand.pk],
        "db_options": {"OPTIONS": db.get("OPTIONS", {}), "CONN_MAX_AGE": db.get("CONN_MAX_AGE", 0)},
        "db_version": _db_version(connection),
    }


def setup_peer(count: int) -> dict:
    """Inside the peer's project (its own venv): migrate, a staff user with a token, a queue, N tickets."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from helpdesk.models import Queue, Ticket
    from rest_framework.authtoken.models import Token

    call_command("migrate", interactive=False, verbosity=0)
    user = get_user_model().objects.create_user("bench", email="bench@example.com", is_staff=True)
    Token.objects.create(user=user, key=PEER_TOKEN)
    queue = Queue.objects.create(title="客服", slug="kefu", allow_public_submission=False)
    now = timezone.localtime()
    base = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(minutes=1)

    def row(i: int) -> dict:
        at = _minutes_back(i, base)
        band = i % 20
        status = (
            Ticket.CLOSED_STATUS if band < 14 else Ticket.RESOLVED_STATUS if band < 17 else Ticket.OPEN_STATUS
        )
        return {
            "title": f"批量载入的工单 {i}",
            "queue_id": queue.pk,
            "created": at,
            "modified": at,
            "submitter_email": f"customer{i % 1000}@example.com",
            "status": status,
            "on_hold": False,
            "description": "压测数据",
            "priority": 1 + (i * 7) % 5,
        }

    started = time.perf_counter()
    bulk_insert(Ticket, count, row)
    return {
        "tickets": Ticket.objects.count(),
        "load_s": round(time.perf_counter() - started, 2),
        "queue": queue.pk,
        "db_version": _db_version(connection),
    }


def _db_version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


# ------------------------------------------------------------------ the peer's project

PEER_SETTINGS = '''"""A minimal project serving django-helpdesk's REST API for bench/load.py (written by it)."""
import json
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECRET_KEY = "bench-only-" + "x" * 40
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "bench_helpdesk.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
# The database and its connection options (the same as kefu's settings give kefu) come from bench/load.py.
DATABASES = {"default": json.loads(os.environ["HELPDESK_BENCH_DATABASE"])}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SITE_ID = 1
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
LOGIN_URL = "/helpdesk/login/"
HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_API_ENABLED = True
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["bench_helpdesk.auth.BearerTokenAuthentication"]}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
'''

PEER_AUTH = '''from rest_framework.authentication import TokenAuthentication


class BearerTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, read from `Authorization: Bearer <key>` as kefu's API reads its tokens."""

    keyword = "Bearer"
'''

PEER_URLS = """from django.http import HttpResponse
from django.urls import include, path


def healthz(request):
    return HttpResponse("ok")


urlpatterns = [
    path("healthz/", healthz),
    path("helpdesk/", include("helpdesk.urls")),
]
"""

PEER_ASGI = """import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_helpdesk.settings")
application = get_asgi_application()
"""


def write_peer_project(project: Path) -> None:
    package = project / "bench_helpdesk"
    package.mkdir(parents=True, exist_ok=True)
    files = {
        "__init__.py": "",
        "settings.py": PEER_SETTINGS,
        "auth.py": PEER_AUTH,
        "urls.py": PEER_URLS,
        "asgi.py": PEER_ASGI,
    }
    for name, text in files.items():
        (package / name).write_text(text)


# ------------------------------------------------------------------ set-up (runs in kefu's venv)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _version(dist: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def kefu_server_kind(tree: Path) -> str:
    """The ASGI server `kefu serve` runs in this tree: uvicorn when its command uses it, else daphne."""
    source = (tree / "kefu/accounts/management/commands/serve.py").read_text(encoding="utf-8")
    return "uvicorn" if "uvicorn" in source else "daphne"


def peer_requirements(server: str) -> list[str]:
    """The peer, pinned, with kefu's own versions of Django, the server and psycopg so only the app differs."""
    wanted = [HELPDESK, f"django=={_version('django')}"]
    if server == "uvicorn":
        wanted += [f"uvicorn=={_version('uvicorn')}"]
        wanted += [f"{d}=={v}" for d in ("uvloop", "httptools") if (v := _version(d))]
    else:
        wanted += [f"daphne=={_version('daphne')}"]
    extras = "binary,pool" if _version("psycopg-pool") else "binary"
    wanted += [f"psycopg[{extras}]=={_version('psycopg')}"]
    return wanted


def ensure_peer_venv(venv: Path, server: str) -> Path:
    wanted = peer_requirements(server)
    stamp = venv / "bench-requirements.txt"
    python = venv / "bin" / "python"
    if python.exists() and stamp.exists() and stamp.read_text().split() == wanted:
        return python
    if not python.exists():
        log(f"creating {venv}")
        # The interpreter kefu's venv was made from, so both sides run the same Python.
        base = getattr(sys, "_base_executable", None) or shutil.which("python3") or "python3"
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
    log(f"installing into {venv}: {' '.join(wanted)}")
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *wanted],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"bench/load.py: pip install into {venv} failed:\n{done.stdout}\n{done.stderr}")
    stamp.write_text("\n".join(wanted) + "\n")
    return python


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_admin(sql: str, *, dbname: str = "postgres"):
    import psycopg

    with psycopg.connect(f"{PG_URL}/{dbname}", autocommit=True) as conn:
        cur = conn.execute(sql)
        return cur.fetchall() if cur.description else None


def pg_connections() -> dict[str, int]:
    rows = pg_admin(
        "SELECT datname, count(*) FROM pg_stat_activity "
        f"WHERE datname IN ('{KEFU_DB}', '{PEER_DB}') GROUP BY datname"
    )
    return {name: n for name, n in rows or []}


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without anyone's KEFU_* or Django settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEFU_", "DJANGO_"))}
    env.update(extra)
    return env


def export_tree(rev: str, work: Path) -> tuple[Path, str]:
    """kefu as committed at `rev`, exported (git archive) under the work directory: a run measures that commit,
    whatever is being edited in the working tree meanwhile."""
    sha = subprocess.run(
        ["git", "rev-parse", "--verify", f"{rev}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    tree = work / f"tree-{sha[:12]}"
    if not (tree / "kefu").is_dir():
        shutil.rmtree(tree, ignore_errors=True)
        tree.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", sha], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree, sha


def run(cmd: list[str], env: dict[str, str], what: str, cwd: Path = ROOT) -> str:
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench/load.py: {what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


class Server:
    """A server process in its own session, so that stopping it stops its workers too (its process group)."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], port: int, logfile: Path, cwd: Path):
        self.name, self.cmd, self.env, self.port, self.logfile, self.cwd = name, cmd, env, port, logfile, cwd
        self.proc: subprocess.Popen | None = None
        logfile.write_bytes(b"")  # this run's log only

    def cpu_seconds(self) -> float:
        """User + system CPU time of every live process in the server's group (its workers included)."""
        if self.proc is None:
            return 0.0
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.proc.pid:  # field 5, the process group
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / tick

    def log_size(self) -> int:
        return self.logfile.stat().st_size

    def errors_logged(self, since: int) -> dict[str, int]:
        """Exceptions the server logged since offset `since`: their last traceback lines, counted."""
        with self.logfile.open("rb") as f:
            f.seek(since)
            text = f.read().decode("utf-8", "replace")
        found = Counter(
            line.strip()[:300]
            for line in text.splitlines()
            if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Exhausted|Timeout)\b.*:", line.strip())
        )
        return dict(found.most_common(5))

    def start(self, wait: float = 90) -> None:
        out = self.logfile.open("ab")
        self.proc = subprocess.Popen(
            self.cmd, env=self.env, cwd=self.cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        out.close()
        give_up = time.monotonic() + wait
        while time.monotonic() < give_up:
            if self.proc.poll() is not None:
                raise SystemExit(
                    f"bench/load.py: {self.name} exited ({self.proc.returncode}); see {self.logfile}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"GET /healthz/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    if s.recv(64).startswith(b"HTTP/1.1 200"):
                        return
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise SystemExit(
            f"bench/load.py: {self.name} did not answer /healthz/ within {wait:g} s; see {self.logfile}"
        )

    def stop(self) -> None:
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):  # anything of its group still there (workers)
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)

    def restart(self) -> None:
        self.stop()
        self.start()


def machine(rev: str | None) -> dict:
    mem = next(
        (
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        "0",
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
    )
    return {
        "cpus": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_gib": round(int(mem) / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "commit": rev or commit.stdout.strip(),
        # the working tree's edits are measured too when no --rev is given
        "uncommitted_files": 0 if rev else len(dirty.stdout.splitlines()),
    }


# ------------------------------------------------------------------ the run


PHASES_HELP = "health:10,list:10,list:50,list:100,create:10,create:50"


def parse_phases(text: str) -> list[tuple[str, int]]:
    phases = []
    for item in text.split(","):
        kind, _, clients = item.strip().partition(":")
        if kind not in {"health", "list", "create"} or not clients.isdigit() or not 0 < int(clients) <= 1000:
            raise argparse.ArgumentTypeError(f"bad phase {item!r}: kind:clients, kind health|list|create")
        phases.append((kind, int(clients)))
    return phases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--tickets", type=int, default=1000, help="tickets loaded into each side (default 1000)"
    )
    parser.add_argument(
        "--peer-tickets",
        type=int,
        help=f"tickets loaded into the peer (default: --tickets, at most {PEER_MAX:,})",
    )
    parser.add_argument(
        "--duration", type=float, default=10.0, help="seconds per phase (default 10, at most 30)"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds a request may take (default 30)")
    parser.add_argument("--phases", type=parse_phases, default=parse_phases(PHASES_HELP), help=PHASES_HELP)
    parser.add_argument(
        "--workers", type=int, default=1, help="server worker processes, both sides (default 1)"
    )
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/13", help="kefu's Redis with --workers > 1"
    )
    parser.add_argument(
        "--pg-cap",
        type=int,
        default=60,
        help="halt a phase when the side's database holds more PostgreSQL connections than this (default 60 of "
        "the server's 100, which other people on the machine share)",
    )
    parser.add_argument("--sides", default="kefu,peer", help="kefu,peer (default both)")
    parser.add_argument("--work-dir", type=Path)
    parser.add_argument(
        "--rev",
        help="measure kefu as committed at this git revision (exported), not the working tree as it is",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= 30:
        parser.error("--duration is 1–30 seconds")
    limit = 1_000_000 if args.db == "postgres" else 100_000
    if not 0 <= args.tickets <= limit:
        parser.error(f"--tickets is 0–{limit:,} on {args.db}")
    peer_tickets = min(args.tickets, PEER_MAX) if args.peer_tickets is None else args.peer_tickets
    if not 0 <= peer_tickets <= PEER_MAX:
        parser.error(f"--peer-tickets is 0–{PEER_MAX:,}: {PEER_WHY}")
    sides = [s.strip() for s in args.sides.split(",") if s.strip()]
    if not sides or set(sides) - {"kefu", "peer"}:
        parser.error("--sides is kefu, peer or kefu,peer")
    work = args.work_dir or (
        Path(os.environ["KEFU_VAR_DIR"]) / "bench"
        if os.environ.get("KEFU_VAR_DIR")
        else ROOT / "var" / "bench"
    )
    work = work.resolve()
    work.mkdir(parents=True, exist_ok=True)

    servers: list[Server] = []

    def stop_all(*_):
        for server in servers:
            server.stop()

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, interrupted)
    try:
        return _run(args, work, peer_tickets, sides, servers)
    finally:
        stop_all()


def _run(args, work: Path, peer_tickets: int, sides: list[str], servers: list[Server]) -> int:
    tree, rev = export_tree(args.rev, work) if args.rev else (ROOT, None)
    server_kind = kefu_server_kind(tree)
    info = {
        "machine": machine(rev and rev[:12]),
        "started": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    info["load_average_before"] = os.getloadavg()
    kefu_var = work / "kefu-var"
    project = work / "helpdesk-project"
    targets: dict[str, Target] = {}

    # Databases, fresh each run.
    if args.db == "postgres":
        for name in (KEFU_DB, PEER_DB):
            pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            pg_admin(f'CREATE DATABASE "{name}"')
    else:
        shutil.rmtree(kefu_var, ignore_errors=True)
        for leftover in work.glob("helpdesk.sqlite3*"):
            leftover.unlink()
    kefu_var.mkdir(parents=True, exist_ok=True)

    kefu_env = clean_env(
        KEFU_VAR_DIR=str(kefu_var),
        # The intake limit (60 calls a minute per user) is abuse protection; the bench measures throughput.
        KEFU_API_INTAKE_RATE="1000000/s",
        DJANGO_SETTINGS_MODULE="kefu.settings",
        PYTHONPATH=str(tree),  # this tree's kefu, before the editable install's
    )
    if args.db == "postgres":
        kefu_env["KEFU_DATABASE_URL"] = f"{PG_URL}/{KEFU_DB}"
    if args.workers > 1:
        kefu_env["KEFU_REDIS_URL"] = args.redis_url

    kefu_cmd = [sys.executable, "-m", "kefu.cli"]
    log(f"kefu ({tree}): migrate, demo-data, {args.tickets:,} tickets ({args.db})")
    run([*kefu_cmd, "migrate", "--noinput"], kefu_env, "kefu migrate", tree)
    run([*kefu_cmd, "demo-data", "--tickets", "0"], kefu_env, "kefu demo-data", tree)
    kefu_setup = json.loads(
        run(
            [sys.executable, __file__, "_setup-kefu", str(args.tickets)], kefu_env, "loading kefu", tree
        ).splitlines()[-1]
    )
    log(f"kefu: {kefu_setup['tickets']:,} tickets ({kefu_setup['load_s']} s to load)")
    info["kefu"] = {k: v for k, v in kefu_setup.items() if k != "customer_ids"}

    if "peer" in sides:
        python = ensure_peer_venv(work / "helpdesk-venv", server_kind)
        write_peer_project(project)
        if args.db == "postgres":
            peer_db = {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": PEER_DB,
                "USER": "postgres",
                "HOST": "127.0.0.1",
                "PORT": "5432",
            }
        else:
            peer_db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(work / "helpdesk.sqlite3")}
        # The same connection options as kefu's settings give kefu (SQLite pragmas and lock wait, PostgreSQL pool);
        # persistent connections off, Django's default and its advice under ASGI.
        peer_db.update(kefu_setup["db_options"], CONN_MAX_AGE=0)
        peer_env = clean_env(
            DJANGO_SETTINGS_MODULE="bench_helpdesk.settings",
            PYTHONPATH=str(project),
            HELPDESK_BENCH_DATABASE=json.dumps(peer_db),
        )
        log(f"peer: migrate, {peer_tickets:,} tickets")
        peer_setup = json.loads(
            run(
                [str(python), __file__, "_setup-peer", str(peer_tickets)], peer_env, "loading the peer"
            ).splitlines()[-1]
        )
        log(f"peer: {peer_setup['tickets']:,} tickets ({peer_setup['load_s']} s to load)")
        versions = subprocess.run(
            [
                str(python),
                "-c",
                "import django, helpdesk, rest_framework; from importlib import metadata as m; "
                "print(m.version('django-helpdesk'), django.get_version(), rest_framework.VERSION)",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        info["peer"] = {
            **peer_setup,
            "django_helpdesk": versions[0],
            "django": versions[1],
            "drf": versions[2],
            "database": peer_db,
        }
        port = free_port()
        venv_bin = python.parent
        if server_kind == "uvicorn":
            cmd = [
                str(venv_bin / "uvicorn"),
                "bench_helpdesk.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
                "--lifespan",
                "off",
            ]
        else:
            if args.workers > 1:
                raise SystemExit("bench/load.py: daphne runs one process; --workers needs uvicorn")
            cmd = [
                str(venv_bin / "daphne"),
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "--proxy-headers",
                "bench_helpdesk.asgi:application",
            ]
        servers.append(Server("peer", cmd, peer_env, port, work / "peer-server.log", project))
        queue = peer_setup["queue"]
        targets["peer"] = Target(
            name=PEER,
            base=f"http://127.0.0.1:{port}",
            token=PEER_TOKEN,
            list_path=f"/helpdesk/api/tickets/?page_size={PAGE}",
            create_path="/helpdesk/api/tickets/",
            create_body=lambda n: {
                "queue": queue,
                "title": f"压测新建的工单 {n}",
                "description": "客户来电咨询快件什么时候到",
                "submitter_email": f"customer{n % 1000}@example.com",
                "priority": 3,
            },
        )

    if "kefu" in sides:
        port = free_port()
        cmd = [*kefu_cmd, "serve", "--host", "127.0.0.1", "--port", str(port)]
        if args.workers > 1:
            cmd += ["--workers", str(args.workers)]
        servers.insert(0, Server("kefu", cmd, kefu_env, port, work / "kefu-server.log", tree))
        customers = kefu_setup["customer_ids"] or [None]
        brand, ticket_type = kefu_setup["brand"], kefu_setup["type"]
        targets["kefu"] = Target(
            name="kefu",
            base=f"http://127.0.0.1:{port}",
            token=KEFU_TOKEN,
            list_path=f"/api/tickets?limit={PAGE}",
            create_path="/api/tickets",
            create_body=lambda n: {
                "brand": brand,
                "type": ticket_type,
                "channel": "phone",
                "subject": f"压测新建的工单 {n}",
                "description": "客户来电咨询快件什么时候到",
                "customer_id": customers[n % len(customers)],
            },
        )
    info["server"] = {
        "kind": server_kind,
        "version": _version(server_kind),
        "workers": args.workers,
        "kefu_command": ["kefu", *servers[0].cmd[3:]] if "kefu" in sides else None,
        "peer_command": [Path(servers[-1].cmd[0]).name, *servers[-1].cmd[1:]] if "peer" in sides else None,
    }

    targets = {side: targets[side] for side in ("kefu", "peer") if side in targets}
    for server in servers:
        log(
            f"starting {server.name} on 127.0.0.1:{server.port}: {Path(server.cmd[0]).name} {' '.join(server.cmd[1:])}"
        )
        server.start()
    by_side = {s.name: s for s in servers}

    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    results: list[dict] = []
    with open(work / f"load-{args.db}-{args.tickets}.log", "w") as trace:
        _check_answers(runner, targets, trace)

        def measure(side: str, kind: str, clients: int, duration: float) -> dict:
            target, server = targets[side], by_side[side]
            own_db = KEFU_DB if side == "kefu" else PEER_DB
            sampler = _ConnectionSampler(own_db, args.pg_cap) if args.db == "postgres" else None
            load_before = os.getloadavg()[0]
            log_at, cpu_at = server.log_size(), server.cpu_seconds()
            stats = runner(_sampled(target, kind, clients, duration, args.timeout, sampler))
            summary = stats.summary()
            summary["load_average_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
            summary["server_cpu_s"] = round(server.cpu_seconds() - cpu_at, 2)
            if logged := server.errors_logged(log_at):
                summary["server_log_errors"] = logged
            if sampler:
                summary["pg_connections_max"] = sampler.peak
                if sampler.tripped:
                    summary["stopped"] = sampler.tripped
                    log(f"{side}: {sampler.tripped}; phase halted")
            if summary["connection_errors"].get("timeout") or summary.get("stopped"):
                # Abandoned requests keep a server busy, and held connections starve the shared PostgreSQL:
                # restart it so that the next phase (either side's) starts clean.
                log(f"{side}: restarting its server")
                server.restart()
                summary["restarted_after"] = True
            return summary

        for side in targets:  # warm-up, not reported
            for kind in ("health", "list", "create"):
                measure(side, kind, 5, 2.0)
        log("warm-up done")
        # What each server burns with no request at all (kefu serve's job worker polls its queue), over 5 s.
        idle_at = {side: by_side[side].cpu_seconds() for side in targets}
        time.sleep(5)
        info["idle_cpu_s_per_s"] = {
            side: round((by_side[side].cpu_seconds() - idle_at[side]) / 5, 3) for side in targets
        }
        for kind, clients in args.phases:
            row = {"kind": kind, "clients": clients, "sides": {}}
            for side in targets:
                summary = row["sides"][side] = measure(side, kind, clients, args.duration)
                log(
                    f"{kind:6} {clients:3} clients {side:4}: {summary['rps']:8.1f} req/s  p50 {summary['p50_ms']} ms  "
                    f"p99 {summary['p99_ms']} ms  errors {summary['errors']}  server CPU {summary['server_cpu_s']} s"
                )
                trace.write(
                    json.dumps(
                        {"kind": kind, "clients": clients, "side": side, **summary}, ensure_ascii=False
                    )
                    + "\n"
                )
                trace.flush()
            results.append(row)
    if args.db == "postgres":
        info["pg_connections_after_run"] = pg_connections()
        time.sleep(5)
        info["pg_connections_5s_later"] = pg_connections()
    for server in servers:
        server.stop()
    if args.db == "postgres":
        info["pg_connections_after_stop"] = pg_connections()
    info["load_average_after"] = os.getloadavg()
    info["finished"] = datetime.now().astimezone().isoformat(timespec="seconds")
    info["config"] = {
        "db": args.db,
        "tickets": args.tickets,
        "peer_tickets": peer_tickets,
        "duration_s": args.duration,
        "timeout_s": args.timeout,
        "page": PAGE,
        "workers": args.workers,
    }
    report = {"info": info, "phases": results}
    base = work / f"load-{args.db}-{args.tickets}"
    base.with_suffix(".json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    table = markdown(report, list(targets))
    base.with_suffix(".md").write_text(table)
    print(table)
    print(f"wrote {base}.json and {base}.md")
    print(last_line(report))
    return 0


class _ConnectionSampler:
    """Counts, every second, the connections each bench database holds on the (shared) PostgreSQL server; when
    the measured side's database holds more than `cap`, the phase is halted, so that a server leaking connections
    cannot take the whole server's max_connections from everyone else on the machine."""

    def __init__(self, database: str, cap: int):
        self.database, self.cap = database, cap
        self.peak: dict[str, int] = {}
        self.tripped: str | None = None

    async def run(self, stop: asyncio.Event, halt: asyncio.Event, started: float) -> None:
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            try:
                counts = await asyncio.to_thread(pg_connections)
            except Exception:  # the sampler must never spoil a phase
                counts = {}
            for name, n in counts.items():
                self.peak[name] = max(self.peak.get(name, 0), n)
            held = counts.get(self.database, 0)
            if held > self.cap and not self.tripped:
                self.tripped = (
                    f"{self.database} held {held} PostgreSQL connections (cap {self.cap}) "
                    f"after {loop.time() - started:.1f} s"
                )
                halt.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)


async def _sampled(
    target: Target,
    kind: str,
    clients: int,
    duration: float,
    timeout: float,
    sampler: _ConnectionSampler | None,
):
    halt = asyncio.Event()
    phase = run_phase(target, kind, clients, duration, timeout, halt)
    if sampler is None:
        return await phase
    stop = asyncio.Event()
    task = asyncio.create_task(sampler.run(stop, halt, asyncio.get_running_loop().time()))
    try:
        return await phase
    finally:
        stop.set()
        await task


def _check_answers(runner, targets: dict[str, Target], trace) -> None:
    """One list and one create on each side must answer 2xx with what the bench expects, else stop here."""
    import aiohttp

    async def check(target: Target) -> None:
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {target.token}"}) as session:
            for kind in ("list", "create"):
                method, url, body = target.request(kind, 0)
                async with session.request(method, url, json=body) as resp:
                    text = await resp.text()
                if not 200 <= resp.status < 300:
                    raise SystemExit(
                        f"bench/load.py: {target.name} {method} {url} → {resp.status}: {text[:1000]}"
                    )
                data = json.loads(text)
                rows = data if isinstance(data, list) else data.get("results", [data])
                trace.write(
                    json.dumps(
                        {"check": target.name, "kind": kind, "status": resp.status, "rows": len(rows)},
                        ensure_ascii=False,
                    )
                    + "\n"
                )
                if kind == "list" and len(rows) != PAGE:
                    raise SystemExit(f"bench/load.py: {target.name}'s list gave {len(rows)} rows, not {PAGE}")

    async def both():
        for target in targets.values():
            await check(target)

    runner(both())


# ------------------------------------------------------------------ report


def _ms(value) -> str:
    return "—" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _rps(value: float) -> str:
    return f"{value:,.1f}" if value >= 10 or not value else f"{value:.2f}"


def _errors(summary: dict) -> str:
    parts = [f"{n} × HTTP {s}" for s, n in summary["statuses"].items() if not 200 <= int(s) < 300]
    parts += [f"{n} × {kind}" for kind, n in summary["connection_errors"].items()]
    if summary.get("stopped"):
        parts.append(f"**halted: {summary['stopped']}**")
    return ", ".join(parts) or "0"


def _ratio(a, b) -> str:
    if a is None or b is None:
        return "—"
    if not b:
        return "∞" if a else "—"
    return f"{a / b:.2f}×"


KIND_TEXT = {"health": "bare page `/healthz/`", "list": "ticket list (first 50)", "create": "ticket create"}


def markdown(report: dict, sides: list[str]) -> str:
    info = report["info"]
    cfg = info["config"]
    names = {"kefu": "kefu", "peer": "helpdesk"}
    head = ["phase", "clients"]
    for side in sides:
        head += [
            f"{names[side]} req/s",
            f"{names[side]} p50 ms",
            f"{names[side]} p99 ms",
            f"{names[side]} errors",
        ]
    if len(sides) == 2:
        head += ["req/s kefu/helpdesk", "p99 kefu/helpdesk"]
    lines = [
        "| " + " | ".join(head) + " |",
        "| " + " | ".join(["---"] * 2 + ["---:"] * (len(head) - 2)) + " |",
    ]
    for row in report["phases"]:
        cells = [KIND_TEXT[row["kind"]], str(row["clients"])]
        for side in sides:
            s = row["sides"][side]
            cells += [_rps(s["rps"]), _ms(s["p50_ms"]), _ms(s["p99_ms"]), _errors(s)]
        if len(sides) == 2:
            k, p = row["sides"]["kefu"], row["sides"]["peer"]
            cells += [_ratio(k["rps"], p["rps"]), _ratio(k["p99_ms"], p["p99_ms"])]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Server CPU time (user + system, every process of the server) per successful request, ms:",
        "",
    ]
    lines += ["| phase | clients | " + " | ".join(names[s] for s in sides) + " |"]
    lines += ["| --- | --- | " + " | ".join("---:" for _ in sides) + " |"]
    for row in report["phases"]:
        cells = [KIND_TEXT[row["kind"]], str(row["clients"])]
        for side in sides:
            s = row["sides"][side]
            cells.append(_ms(s["server_cpu_s"] * 1000 / s["ok"]) if s["ok"] else "—")
        lines.append("| " + " | ".join(cells) + " |")
    m = info["machine"]
    db = info["kefu"]["db_version"]
    lines.append("")
    lines.append(
        f"{cfg['db']} ({db}), {cfg['tickets']:,} tickets in kefu"
        + (f", {cfg['peer_tickets']:,} in the peer" if "peer" in sides else "")
        + f"; {info['server']['kind']} {info['server']['version']}, {cfg['workers']} worker process(es) a side; "
        f"{cfg['duration_s']:g} s a phase; {m['cpus']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, Python "
        f"{m['python']}; commit {m['commit']} with {m['uncommitted_files']} uncommitted files in the tree; "
        f"load average {info['load_average_before'][0]:.2f} before, {info['load_average_after'][0]:.2f} after."
    )
    return "\n".join(lines) + "\n"


def last_line(report: dict) -> str:
    cfg = report["info"]["config"]
    by = {(r["kind"], r["clients"]): r["sides"] for r in report["phases"]}

    def ratio(key):
        sides = by.get(key)
        if not sides or "peer" not in sides or "kefu" not in sides or not sides["peer"]["rps"]:
            return "-"
        return f"{sides['kefu']['rps'] / sides['peer']['rps']:.2f}"

    errors = {
        side: sum(r["sides"][side]["errors"] for r in report["phases"] if side in r["sides"])
        for side in ("kefu", "peer")
    }
    return (
        f"load db={cfg['db']} tickets={cfg['tickets']} list100_rps_ratio={ratio(('list', 100))} "
        f"create50_rps_ratio={ratio(('create', 50))} kefu_errors={errors['kefu']} peer_errors={errors['peer']}"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["_setup-kefu"]:
        print(json.dumps(setup_kefu(int(sys.argv[2])), ensure_ascii=False, default=str))
    elif sys.argv[1:2] == ["_setup-peer"]:
        print(json.dumps(setup_peer(int(sys.argv[2])), ensure_ascii=False, default=str))
    else:
        sys.exit(main())
