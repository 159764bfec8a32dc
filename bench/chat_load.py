"""Chat load: N customers and M agents on live WebSockets, every acknowledged message accounted for.

    .venv/bin/python bench/chat_load.py --customers 200 --agents 3 [--duration 60] [--servers 1]
    .venv/bin/python bench/chat_load.py --url http://127.0.0.1:8000 --customers 200 --agents 3

Loopback only and bounded: every address is 127.0.0.1 (a --url elsewhere is refused), the measured phase lasts
--duration seconds, the whole run at most --duration + --setup-timeout seconds, and the servers this script
started are stopped at the end (their whole process group) whatever happened.

Without --url it starts its own: a fresh KEFU_VAR_DIR under --work-dir (default $KEFU_VAR_DIR/bench/chat or
var/bench/chat), its own database (SQLite file, or --database-url), `kefu migrate`, `kefu demo-data --tickets 0`,
M agents (bench01…, team 快递热线组, brand 信天捷), and --servers `kefu serve` processes on free ports sharing
Redis (--redis-url, required: the channel layer that carries pushes between processes). KEFU_PROXY_COUNT=1, so
the address each simulated customer sends in X-Forwarded-For is its own (the public chat limits starts per
address). With --url the server must run with KEFU_PROXY_COUNT=1 and this script with the server's
environment (KEFU_DATABASE_URL …): it creates the agents with `kefu shell`.

What a run does, as people would:
1. The agents log in (the login page), sign in (签入) and stay in 话后处理 while the customers arrive.
2. N customers start a chat (POST /chat/xintianjie/start/, --ramp at a time), open its WebSocket and say
   hello (which queues the chat).
3. The agents set 就绪 and claim the waiting chats in turn (their desk's offer list, the claim button, the
   workspace page), each agent watching its chats on its desk socket as the workspace page does.
4. For --duration seconds every customer sends a message every --interval seconds (staggered), and every agent
   replies every --reply-interval seconds to one of its chats in turn (the workspace's reply, over HTTP).
   Both sides behave like kefu's pages: a hole in the numbers is asked for at once, and a chat quiet for 10 s
   asks for what was stored after the last number it has, then every minute while quiet
   (kefu/chat/static/chat/workspace.js, customer.js).
5. After the phase: at most --grace seconds for pushes in flight (until every acknowledged message has arrived),
   one catch-up round on every chat, at most 15 s more, and the tally.

Reported, per direction (customer → agent, agent → customer): messages acknowledged (ack frame / reply
answered 200), delivered to the receiving screen (by push, and in all after catch-up), lost (acknowledged and
never delivered), delivered twice (a bug), and the delivery time from pressing send to the other screen
(p50/p99/max); the ack time; handshake and start failures; refusals (rate limits); the server processes' and
this client's CPU. Writes <work-dir>/chat-load-<N>x<M>.json and .md; last line:
chat_load customers=N agents=M lost_c2a=… lost_a2c=… p99_c2a_ms=… p99_a2c_ms=…
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
KEFU = str(Path(sys.executable).with_name("kefu"))
BRAND = "xintianjie"
TEAM = "快递热线组"
PASSWORD = "bench-pass-2026"
QUIET_CHECK_SECONDS = 10  # as the pages do
REPLY = "您好，已收到您的消息，正在为您查询，请稍等"


def percentile(values: list[float], p: float) -> float | None:
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def loopback(url: str) -> str:
    host = urlsplit(url).hostname or ""
    try:
        ok = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise SystemExit(f"bench/chat_load.py: only loopback servers ({url} is not)")
    return url.rstrip("/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ what was seen


@dataclass
class Tally:
    """One direction's messages: when each was sent, acknowledged and shown on the other screen."""

    sent: dict[str, float] = field(default_factory=dict)  # client id → monotonic time of sending
    acked: dict[str, float] = field(default_factory=dict)
    shown: dict[str, float] = field(default_factory=dict)  # first arrival on the receiving screen
    # arrived after a later message of its chat: fetched by the screen's catch-up (or a push overtaken)
    by_catch_up: set[str] = field(default_factory=set)
    twice: int = 0  # the same message pushed again to one screen, not asked for (the server must not do that)
    refused: dict[str, int] = field(default_factory=dict)

    def arrive(self, client_id: str, catch_up: bool, asked: float) -> None:
        """``asked``: when the screen last asked for what it lacks (what it had is then sent again: the page
        shows each number once)."""
        if client_id not in self.sent:
            return
        if client_id in self.shown:
            if time.monotonic() - asked > 3:
                self.twice += 1
            return
        self.shown[client_id] = time.monotonic()
        if catch_up:
            self.by_catch_up.add(client_id)

    def summary(self) -> dict:
        acked = set(self.acked)
        delivered = acked & set(self.shown)
        pushed = delivered - self.by_catch_up
        ms = [(self.shown[c] - self.sent[c]) * 1000 for c in delivered]
        ack_ms = [(self.acked[c] - self.sent[c]) * 1000 for c in acked]
        return {
            "sent": len(self.sent),
            "acknowledged": len(acked),
            "delivered": len(delivered),
            "delivered_by_push": len(pushed),
            "delivered_by_catch_up": len(delivered & self.by_catch_up),
            "lost": len(acked - set(self.shown)),
            "lost_sample": sorted(acked - set(self.shown))[:10],
            "delivered_twice": self.twice,
            "refused": dict(self.refused),
            "delivery_ms": {
                "p50": _r(percentile(ms, 50)),
                "p99": _r(percentile(ms, 99)),
                "max": _r(max(ms) if ms else None),
            },
            "ack_ms": {"p50": _r(percentile(ack_ms, 50)), "p99": _r(percentile(ack_ms, 99))},
            "p99_ms_by_10s": self.by_window(delivered),
        }

    def by_window(self, delivered: set[str]) -> list[float | None]:
        """The delivery p99 of the messages sent in each 10 s of the phase: a spike, or a queue growing."""
        if not delivered:
            return []
        start = min(self.sent[c] for c in delivered)
        windows: dict[int, list[float]] = {}
        for c in delivered:
            windows.setdefault(int((self.sent[c] - start) // 10), []).append(
                (self.shown[c] - self.sent[c]) * 1000
            )
        return [_r(percentile(windows.get(i, []), 99)) for i in range(max(windows) + 1)]


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass
class Screen:
    """What one chat shows on one side: the numbers it has, to find holes the way the pages do."""

    seqs: set[int] = field(default_factory=set)
    heard: float = field(default_factory=time.monotonic)  # the last numbered message that arrived
    checked: float = field(default_factory=time.monotonic)

    def add(self, seq: int) -> None:
        self.seqs.add(seq)
        self.heard = time.monotonic()

    def quiet_check_due(self, quiet: float) -> bool:
        """As the pages: ``quiet`` s after the last message ask once, then every minute while quiet."""
        now = time.monotonic()
        if (
            quiet
            and now - self.heard >= quiet
            and now - self.checked >= (60 if self.checked > self.heard else 0)
        ):
            self.checked = now
            return True
        return False

    def contiguous(self) -> int:
        n = 0
        while n + 1 in self.seqs:
            n += 1
        return n

    def hole(self) -> bool:
        return bool(self.seqs) and max(self.seqs) > self.contiguous()


class Run:
    def __init__(self, args, urls: list[str]):
        self.args, self.urls = args, urls
        self.c2a, self.a2c = Tally(), Tally()
        self.failures: dict[str, int] = {}
        self.samples: dict[str, str] = {}
        self.stop = asyncio.Event()
        self.chats: set[int] = (
            set()
        )  # the sessions of this run's customers (the demo data has one of its own)
        self.measuring = False

    def fail(self, kind: str, detail: str = "") -> None:
        self.failures[kind] = self.failures.get(kind, 0) + 1
        if detail and kind not in self.samples:
            self.samples[kind] = " ".join(str(detail).split())[:300]


# ------------------------------------------------------------------ the customer


class Customer:
    def __init__(self, run: Run, index: int, http: aiohttp.ClientSession):
        self.run, self.index, self.http = run, index, http
        self.url = run.urls[index % len(run.urls)]
        self.address = f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256 + 1}"
        self.token = None
        self.ws = None
        self.screen = Screen()
        self.asked = 0.0
        self.count = 0
        self.pending: list[str] = []  # sent, not yet acknowledged: sent again after a reconnect (the outbox)
        self.hole_timer: asyncio.Task | None = None
        self.reconnected = False

    async def start(self) -> bool:
        try:
            async with self.http.post(
                f"{self.url}/chat/{BRAND}/start/",
                json={"name": f"压测客户{self.index}"},
                headers={"X-Forwarded-For": self.address},
            ) as r:
                body = await r.json(content_type=None)
                if r.status != 200:
                    self.run.fail(f"start HTTP {r.status}", json.dumps(body, ensure_ascii=False))
                    return False
                self.token = body["token"]
            ws_url = self.url.replace("http", "ws", 1) + f"/ws/chat/{self.token}/"
            self.ws = await self.http.ws_connect(ws_url, heartbeat=None, max_msg_size=0)
            history = json.loads((await self.ws.receive(timeout=30)).data)
            self.screen.seqs.update(m["seq"] for m in history["messages"])
            self.run.chats.add(history["messages"][0]["session"])
            # the first words put the chat in the queue (its ticket and offer); not one of the counted messages
            await self.ws.send_json({"type": "message", "client_id": f"hello-{self.index}", "body": "您好"})
            return True
        except Exception as exc:  # counted and shown, the run goes on
            self.run.fail(f"customer handshake {type(exc).__name__}", repr(exc))
            return False

    async def listen(self) -> None:
        """Read the socket; when it closes, open it again as the page does (history, then its outbox)."""
        while not self.run.stop.is_set():
            await self.read()
            if self.run.stop.is_set():
                return
            self.run.fail("customer socket closed", why_closed(self.ws))
            await asyncio.sleep(0.5)
            try:
                self.ws = await self.http.ws_connect(
                    self.url.replace("http", "ws", 1) + f"/ws/chat/{self.token}/",
                    heartbeat=None,
                    max_msg_size=0,
                )
            except Exception as exc:
                self.run.fail("customer reconnect", repr(exc))
                continue
            self.reconnected = True

    async def read(self) -> None:
        async for frame in self.ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                break
            d = json.loads(frame.data)
            kind = d.get("type")
            if kind == "history":  # after a reconnect: everything stored, the page shows what it lacks
                for m in d["messages"]:
                    self.screen.add(m["seq"])
                    if m["sender"] == "agent":
                        self.run.a2c.arrive(m["client_id"], catch_up=True, asked=time.monotonic())
                for client_id in [c for c in self.pending if c not in self.run.c2a.acked]:
                    await self.ws.send_json(
                        {"type": "message", "client_id": client_id, "body": f"压测消息 {client_id}"}
                    )
                continue
            if kind == "ack":
                if d["client_id"] in self.run.c2a.sent:
                    self.run.c2a.acked.setdefault(d["client_id"], time.monotonic())
                self.screen.add(d["seq"])
            elif kind == "message":
                m = d["message"]
                late = bool(self.screen.seqs) and m["seq"] < max(self.screen.seqs)  # it fills a hole
                self.screen.add(m["seq"])
                if m["sender"] == "agent":
                    self.run.a2c.arrive(m["client_id"], catch_up=late, asked=self.asked)
                if self.screen.hole():
                    self.hole_later()
            elif kind == "error":
                code = d.get("code", "error")
                self.run.c2a.refused[code] = self.run.c2a.refused.get(code, 0) + 1

    def hole_later(self) -> None:
        """As the page: a hole still there 300 ms later is asked for (a push on its way fills it first)."""

        async def check() -> None:
            await asyncio.sleep(0.3)
            self.hole_timer = None
            if self.screen.hole():
                await self.catch_up()

        if self.hole_timer is None:
            self.hole_timer = asyncio.create_task(check())

    async def catch_up(self) -> None:
        self.asked = time.monotonic()
        with contextlib.suppress(Exception):
            await self.ws.send_json({"type": "sync", "after": self.screen.contiguous()})

    async def talk(self) -> None:
        # staggered over the interval, then every --interval seconds on a fixed schedule
        began = time.monotonic() + self.run.args.interval * (self.index % 97) / 97
        while not self.run.stop.is_set():
            due = began + self.count * self.run.args.interval
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            if self.run.stop.is_set():
                break
            client_id = f"b{self.index}-{self.count}"
            self.count += 1
            self.run.c2a.sent[client_id] = time.monotonic()
            self.pending = [*[c for c in self.pending if c not in self.run.c2a.acked][-50:], client_id]
            try:
                await self.ws.send_json(
                    {"type": "message", "client_id": client_id, "body": f"压测消息 {client_id}"}
                )
            except Exception as exc:
                self.run.fail("customer send", repr(exc))
            if self.screen.quiet_check_due(self.run.args.quiet_check_seconds):
                await self.catch_up()


# ------------------------------------------------------------------ the agent


class Agent:
    def __init__(self, run: Run, index: int):
        self.run, self.index = run, index
        self.url = run.urls[index % len(run.urls)]
        self.username = f"bench{index + 1:02d}"
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            timeout=aiohttp.ClientTimeout(total=60),
            connector=aiohttp.TCPConnector(limit=0),
        )
        self.ws = None
        self.sessions: list[int] = []
        self.screens: dict[int, Screen] = {}
        self.asked: dict[int, float] = {}
        self.hole_timers: dict[int, asyncio.Task] = {}
        self.replies = 0

    def csrf(self) -> str:
        for cookie in self.http.cookie_jar:
            if cookie.key == "csrftoken":
                return cookie.value
        return ""

    def headers(self) -> dict:
        return {"X-CSRFToken": self.csrf(), "Origin": self.url, "Referer": self.url + "/desk/"}

    async def post(self, path: str, **kwargs):
        async with self.http.post(self.url + path, headers=self.headers(), **kwargs) as r:
            return r.status, await r.text()

    async def log_in(self) -> None:
        async with self.http.get(self.url + "/login/") as r:
            await r.read()
        status, _ = await self.post(
            "/login/",
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf()},
        )
        if status != 200:
            raise RuntimeError(f"{self.username} 登录失败：HTTP {status}")
        await self.status(action="sign_in")
        self.ws = await self.http.ws_connect(
            self.url.replace("http", "ws", 1) + "/ws/desk/", origin=self.url, heartbeat=None, max_msg_size=0
        )

    async def status(self, **data) -> None:
        status, body = await self.post("/desk/status/", data={**data, "csrfmiddlewaretoken": self.csrf()})
        if status not in (200, 302):
            raise RuntimeError(f"{self.username} 状态切换失败：HTTP {status} {body[:200]}")

    async def claim_all(self, want: int | None) -> None:
        """Claim chats until this agent has ``want`` of them (None: any number) or none is waiting."""
        while want is None or len(self.sessions) < want:
            await self.status(status="ready")
            async with self.http.get(self.url + "/desk/offers/") as r:
                offers = [int(o) for o in dict.fromkeys(re.findall(r'data-offer="(\d+)"', await r.text()))]
            if not offers:
                return
            claimed = None
            for offer in (
                offers[self.index % 7 :] + offers[: self.index % 7]
            ):  # agents start at different ones
                status, body = await self.post(f"/desk/offers/{offer}/claim/")
                if status == 200:
                    claimed = json.loads(body)["url"]
                    break
            if claimed is None:
                continue
            async with self.http.get(self.url + claimed) as r:
                page = await r.text()
            session = int(re.search(r'id="ws" data-session="(\d+)"', page).group(1))
            self.sessions.append(session)
            self.screens[session] = Screen(set(int(s) for s in re.findall(r'data-seq="(\d+)"', page)))
            await self.ws.send_json(
                {"type": "watch", "session": session, "after": self.screens[session].contiguous()}
            )

    async def listen(self) -> None:
        """Read the desk socket; when it closes, open it again and watch every chat again, as the page does."""
        while not self.run.stop.is_set():
            await self.read()
            if self.run.stop.is_set():
                return
            self.run.fail("desk socket closed", why_closed(self.ws))
            await asyncio.sleep(0.5)
            try:
                self.ws = await self.http.ws_connect(
                    self.url.replace("http", "ws", 1) + "/ws/desk/",
                    origin=self.url,
                    heartbeat=None,
                    max_msg_size=0,
                )
            except Exception as exc:
                self.run.fail("desk reconnect", repr(exc))
                continue
            for session in self.screens:
                await self.catch_up(session)

    async def read(self) -> None:
        async for frame in self.ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                break
            d = json.loads(frame.data)
            if d.get("type") != "message" or d.get("session") not in self.screens:
                continue
            screen, m = self.screens[d["session"]], d["message"]
            late = bool(screen.seqs) and m["seq"] < max(screen.seqs)  # it fills a hole
            screen.add(m["seq"])
            if m["sender"] == "customer":
                self.run.c2a.arrive(m["client_id"], catch_up=late, asked=self.asked.get(d["session"], 0))
            if screen.hole():
                self.hole_later(d["session"])

    def hole_later(self, session: int) -> None:
        """As the page: a hole still there 300 ms later is asked for (a push on its way fills it first)."""

        async def check() -> None:
            await asyncio.sleep(0.3)
            del self.hole_timers[session]
            if self.screens[session].hole():
                await self.catch_up(session)

        if session not in self.hole_timers:
            self.hole_timers[session] = asyncio.create_task(check())

    async def catch_up(self, session: int) -> None:
        self.asked[session] = time.monotonic()
        with contextlib.suppress(Exception):
            await self.ws.send_json(
                {"type": "watch", "session": session, "after": self.screens[session].contiguous()}
            )

    async def talk(self) -> None:
        if not self.sessions:
            return
        began = time.monotonic() + self.run.args.reply_interval * (self.index % 13) / 13
        count = 0
        while not self.run.stop.is_set():
            due = began + count * self.run.args.reply_interval
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            if self.run.stop.is_set():
                break
            session = self.sessions[count % len(self.sessions)]
            client_id = f"r{self.index}-{count}"
            count += 1
            if self.run.args.reply_interval > 0:
                self.run.a2c.sent[client_id] = time.monotonic()
                try:
                    status, body = await self.post(
                        f"/desk/chats/{session}/reply/", json={"body": REPLY, "client_id": client_id}
                    )
                    if status == 200:
                        self.run.a2c.acked[client_id] = time.monotonic()
                        self.screens[session].add(json.loads(body)["message"]["seq"])
                    else:
                        self.run.a2c.refused[f"HTTP {status}"] = (
                            self.run.a2c.refused.get(f"HTTP {status}", 0) + 1
                        )
                        self.run.fail(f"reply HTTP {status}", body)
                except Exception as exc:
                    self.run.fail(f"reply {type(exc).__name__}", repr(exc))
            for s in self.sessions:
                if self.screens[s].quiet_check_due(self.run.args.quiet_check_seconds):
                    await self.catch_up(s)


def why_closed(ws) -> str:
    return f"close code {ws.close_code}, {ws.exception()!r}"


# ------------------------------------------------------------------ servers


class Servers:
    """`kefu serve` processes this script started (their process groups), on one database and one Redis."""

    def __init__(self, args):
        self.args = args
        self.work = Path(args.work_dir)
        self.var = self.work / "kefu-var"
        self.env = {
            **os.environ,
            "KEFU_VAR_DIR": str(self.var),
            "KEFU_DATABASE_URL": args.database_url or f"sqlite:///{self.var / 'kefu.sqlite3'}",
            "KEFU_REDIS_URL": args.redis_url,
            "KEFU_PROXY_COUNT": "1",
        }
        self.env.pop("KEFU_NOW", None)
        self.procs: list[subprocess.Popen] = []
        self.urls: list[str] = []

    def manage(self, *argv: str, timeout: int = 600) -> str:
        out = subprocess.run(
            [KEFU, *argv], env=self.env, cwd=self.work, capture_output=True, text=True, timeout=timeout
        )
        if out.returncode != 0:
            raise SystemExit(f"kefu {' '.join(argv)} 失败：{out.stderr.strip()[-800:]}")
        return out.stdout

    def prepare(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        self.var.mkdir(parents=True)
        self.manage("migrate", "--noinput", "-v0")
        self.manage("demo-data", "--tickets", "0")
        make_agents(self.env, self.work, self.args.agents)

    def start(self) -> list[str]:
        for _ in range(self.args.servers):
            port = free_port()
            log = open(self.work / f"server-{port}.log", "w")  # noqa: SIM115 - closed with the process
            self.procs.append(
                subprocess.Popen(
                    # no job worker: chat needs none, and it would only take CPU from what is measured
                    [KEFU, "serve", "--port", str(port), "--no-worker"],
                    env=self.env,
                    cwd=self.work,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            self.urls.append(f"http://127.0.0.1:{port}")
        for url in self.urls:
            wait_up(url)
        return self.urls

    def cpu_seconds(self) -> float:
        total = 0.0
        for proc in self.procs:
            for pid in _group(proc.pid):
                with contextlib.suppress(OSError, ValueError, IndexError):
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=20)
            with contextlib.suppress(ProcessLookupError):  # whatever of the group is still there
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _group(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                    pids.append(int(entry.name))
    return pids


def wait_up(url: str, seconds: int = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz/", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} 未能启动")


AGENTS_SCRIPT = """
from kefu.accounts.models import Team, User
team = Team.objects.get(name={team!r})
for i in range(1, {n} + 1):
    name = f"bench{{i:02d}}"
    if not User.objects.filter(username=name).exists():
        User.objects.create_user(name, password={password!r}, agent_no=str(9000 + i), display_name=f"压测坐席{{i}}", team=team)
"""


def make_agents(env: dict, cwd: Path, n: int) -> None:
    script = AGENTS_SCRIPT.format(team=TEAM, n=n, password=PASSWORD)
    out = subprocess.run(
        [KEFU, "shell", "-c", script], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )
    if out.returncode != 0:
        raise SystemExit(f"坐席账号未能建立：{out.stderr.strip()[-800:]}")


# ------------------------------------------------------------------ the run


async def run_load(args, urls: list[str], servers: Servers | None) -> dict:
    run = Run(args, urls)
    customers_http = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=60)
    )
    agents = [Agent(run, i) for i in range(args.agents)]
    tasks: list[asyncio.Task] = []
    try:
        await asyncio.gather(*(a.log_in() for a in agents))
        tasks += [asyncio.create_task(a.listen()) for a in agents]

        customers = [Customer(run, i, customers_http) for i in range(args.customers)]
        started = time.monotonic()
        gate = asyncio.Semaphore(args.ramp)

        async def start(c: Customer) -> bool:
            async with gate:
                return await c.start()

        ok = await asyncio.gather(*(start(c) for c in customers))
        live = [c for c, good in zip(customers, ok, strict=True) if good]
        ramp_seconds = time.monotonic() - started
        tasks += [asyncio.create_task(c.listen()) for c in live]

        per_agent = math.ceil(len(live) / max(1, len(agents)))
        started = time.monotonic()
        await asyncio.gather(*(a.claim_all(per_agent) for a in agents))
        await asyncio.gather(*(a.claim_all(None) for a in agents))  # what is left (the demo's own chat …)
        claim_seconds = time.monotonic() - started
        claimed = sum(len(set(a.sessions) & run.chats) for a in agents)
        for a in agents:  # replies go to this run's customers only: nobody listens in the demo's chat
            a.sessions = [s for s in a.sessions if s in run.chats]

        cpu_before = servers.cpu_seconds() if servers else None
        client_before = resource.getrusage(resource.RUSAGE_SELF)
        run.measuring = True
        now = (
            time.monotonic()
        )  # the chats were quiet while the agents claimed them: their quiet checks start now
        for screen in [c.screen for c in live] + [sc for a in agents for sc in a.screens.values()]:
            screen.heard = screen.checked = now
        talkers = [asyncio.create_task(c.talk()) for c in live] + [
            asyncio.create_task(a.talk()) for a in agents
        ]
        await asyncio.sleep(args.duration)
        run.stop.set()
        await asyncio.gather(*talkers, return_exceptions=True)
        measured = args.duration
        await settle(run, args.grace)  # pushes still on their way (a server behind drains its queue)
        before_catch_up = {"c2a": run.c2a.summary(), "a2c": run.a2c.summary()}
        for c in live:
            await c.catch_up()
        for a in agents:
            for s in a.sessions:
                await a.catch_up(s)
        await settle(run, 15)
        client_after = resource.getrusage(resource.RUSAGE_SELF)
        cpu_after = servers.cpu_seconds() if servers else None
        return {
            "customers": args.customers,
            "agents": args.agents,
            "servers": len(urls),
            "chats_started": len(live),
            "chats_claimed": claimed,
            "ramp_seconds": round(ramp_seconds, 1),
            "claim_seconds": round(claim_seconds, 1),
            "duration_seconds": measured,
            "interval_seconds": args.interval,
            "reply_interval_seconds": args.reply_interval,
            "customer_to_agent": run.c2a.summary(),
            "agent_to_customer": run.a2c.summary(),
            "before_final_catch_up": before_catch_up,
            "failures": run.failures,
            "failure_samples": run.samples,
            "server_cpu_seconds": None if cpu_before is None else round(cpu_after - cpu_before, 1),
            "client_cpu_seconds": round(
                (client_after.ru_utime + client_after.ru_stime)
                - (client_before.ru_utime + client_before.ru_stime),
                1,
            ),
        }
    finally:
        run.stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for a in agents:
            with contextlib.suppress(Exception):
                if a.ws is not None:
                    await a.ws.close()
            await a.http.close()
        await customers_http.close()


async def settle(run: Run, seconds: float) -> None:
    """Wait until every acknowledged message is on the other screen, at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if set(run.c2a.acked) <= set(run.c2a.shown) and set(run.a2c.acked) <= set(run.a2c.shown):
            return
        await asyncio.sleep(0.5)


def markdown(result: dict, machine: str) -> str:
    rows = []
    for label, key in (("customer → agent", "customer_to_agent"), ("agent → customer", "agent_to_customer")):
        d = result[key]
        rows.append(
            f"| {label} | {d['acknowledged']} | {d['delivered']} ({d['delivered_by_catch_up']} by catch-up) | "
            f"**{d['lost']}** | {d['delivered_twice']} | {d['delivery_ms']['p50']} | **{d['delivery_ms']['p99']}** | "
            f"{d['delivery_ms']['max']} | {d['ack_ms']['p50']} / {d['ack_ms']['p99']} |"
        )
    return "\n".join(
        [
            f"{result['customers']} customers, {result['agents']} agents, {result['servers']} server process(es), "
            f"a message every {result['interval_seconds']} s per customer and a reply every "
            f"{result['reply_interval_seconds']} s per agent for {result['duration_seconds']} s ({machine}).",
            "",
            "| direction | acknowledged | on the other screen | lost | twice | p50 ms | p99 ms | max ms | ack p50/p99 ms |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
            *rows,
            "",
            f"Chats started {result['chats_started']} (in {result['ramp_seconds']} s), claimed "
            f"{result['chats_claimed']} (in {result['claim_seconds']} s); failures: "
            f"{json.dumps(result['failures'], ensure_ascii=False) or 'none'}; server CPU "
            f"{result['server_cpu_seconds']} s, this client's CPU {result['client_cpu_seconds']} s over the phase.",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--agents", type=int, default=3)
    parser.add_argument("--duration", type=int, default=60, help="seconds of the measured phase")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between a customer's messages")
    parser.add_argument(
        "--reply-interval", type=float, default=2.0, help="seconds between an agent's replies (0: none)"
    )
    parser.add_argument(
        "--quiet-check-seconds",
        type=float,
        default=QUIET_CHECK_SECONDS,
        help="a chat quiet this long asks for what was stored after its last number, as the pages do (0: never)",
    )
    parser.add_argument(
        "--grace", type=float, default=30.0, help="at most this long for pushes in flight after the phase"
    )
    parser.add_argument("--ramp", type=int, default=25, help="chat starts at a time")
    parser.add_argument(
        "--servers", type=int, default=1, help="kefu serve processes to start (without --url)"
    )
    parser.add_argument("--url", help="a running kefu serve on loopback (else this script starts its own)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument(
        "--database-url", default="", help="an empty database for the servers (default SQLite)"
    )
    parser.add_argument("--setup-timeout", type=int, default=900, help="seconds for everything but the phase")
    var = Path(os.environ["KEFU_VAR_DIR"]) if os.environ.get("KEFU_VAR_DIR") else ROOT / "var"
    parser.add_argument("--work-dir", default=str(var / "bench" / "chat"))
    args = parser.parse_args()
    if args.customers < 1 or args.agents < 1 or args.duration < 1:
        parser.error("--customers, --agents and --duration must be positive")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.customers + 1024)), hard))

    servers = None
    if args.url:
        urls = [loopback(args.url)]
        Path(args.work_dir).mkdir(parents=True, exist_ok=True)
        make_agents(dict(os.environ), Path(args.work_dir), args.agents)
    else:
        loopback(args.redis_url.replace("redis", "http", 1))
        servers = Servers(args)
        servers.prepare()
        urls = servers.start()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    try:
        result = asyncio.run(
            asyncio.wait_for(run_load(args, urls, servers), timeout=args.duration + args.setup_timeout)
        )
    finally:
        if servers:
            servers.stop()
    result["machine"] = machine
    work = Path(args.work_dir)
    name = f"chat-load-{args.customers}x{args.agents}"
    (work / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
    table = markdown(result, machine)
    (work / f"{name}.md").write_text(table + "\n")
    print(table)
    c2a, a2c = result["customer_to_agent"], result["agent_to_customer"]
    print(
        f"chat_load customers={args.customers} agents={args.agents} servers={len(urls)} "
        f"lost_c2a={c2a['lost']} lost_a2c={a2c['lost']} "
        f"p99_c2a_ms={c2a['delivery_ms']['p99']} p99_a2c_ms={a2c['delivery_ms']['p99']}"
    )
    return 0 if c2a["lost"] == 0 and a2c["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
