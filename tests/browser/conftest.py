"""A real kefu server in a subprocess (daphne, WebSockets, its own SQLite file) and Debian's Chromium."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kefu import timeutil
from tests.conftest import SUITE_CLOCK

ROOT = Path(__file__).resolve().parents[2]
KEFU = str(Path(sys.executable).with_name("kefu"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "docs" / "screenshots"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`kefu serve` on a free port with its own database; can be killed and started again on the same data."""

    def __init__(self, tmp: Path, redis_url: str = ""):
        self.tmp = tmp
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "KEFU_VAR_DIR": str(tmp),
            "KEFU_DATABASE_URL": f"sqlite:///{tmp / 'kefu.sqlite3'}",
        }
        self.env.pop("KEFU_REDIS_URL", None)
        if redis_url:
            self.env["KEFU_REDIS_URL"] = redis_url
        self.proc = None

    def manage(self, *args: str) -> str:
        out = subprocess.run(
            [KEFU, *args], env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=300
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    def start(self) -> None:
        self.log = open(self.tmp / f"server-{self.port}.log", "a")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [KEFU, "serve", "--port", str(self.port)],
            env=self.env,
            cwd=self.tmp,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz/", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("kefu 服务未能启动:\n" + Path(self.log.name).read_text())

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, as in a crash."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.log.close()

    def open_round_the_clock(self) -> None:
        """The suite runs at moments outside the demo brands' service hours too (23:30): their chats reach an
        agent at every moment when they serve round the clock; a test of service hours sets its brand's own."""
        self.sql("UPDATE brands_brand SET service_start = '00:00:00', service_end = '00:00:00'")

    def sql(self, query: str, *params):
        import sqlite3

        with sqlite3.connect(self.tmp / "kefu.sqlite3") as db:
            return db.execute(query, params).fetchall()


_DEMO: dict[str, tuple[Path, str]] = {}


def demo_copy(factory: pytest.TempPathFactory, srv: "Server") -> None:
    """A migrated database with the demo data, copied into ``srv``'s folder: made once per moment in each test
    process (migrating and loading take some 20 s, copying a few milliseconds). The server's clock then starts
    where the loading ended, as it did when each test loaded its own: the demo's offers are as old, and their
    time to be taken as far off, as a server started right after loading finds them."""
    moment = timeutil.parse_moment(os.environ["KEFU_NOW"]).isoformat()
    if moment not in _DEMO:
        made = factory.mktemp("demo")
        template = Server(made)
        template.manage("migrate", "--noinput", "-v0")
        template.manage("demo-data", "--tickets", "12")
        _DEMO[moment] = made, timeutil.local_now().isoformat()  # the template's clock is this process's
    made, loaded = _DEMO[moment]
    shutil.copytree(made, srv.tmp, dirs_exist_ok=True)
    srv.env.update(KEFU_NOW=loaded, KEFU_NOW_SINCE=repr(time.time()))


@pytest.fixture
def server(tmp_path, tmp_path_factory):
    srv = Server(tmp_path)
    demo_copy(tmp_path_factory, srv)
    srv.open_round_the_clock()
    srv.start()
    yield srv
    srv.kill()


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("没有 /usr/bin/chromium：运行 make browser-deps 安装 Debian 的 Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def demo_queue_answered(server) -> None:
    """The demo's waiting customer has been answered: its chat takes no place in the queue and goes to nobody."""
    server.sql(
        "UPDATE chat_offer SET withdrawn_at = CURRENT_TIMESTAMP, assigned_to_id = NULL "
        "WHERE claimed_by_id IS NULL AND withdrawn_at IS NULL"
    )
    server.sql("UPDATE chat_offerassignment SET outcome = 'withdrawn' WHERE outcome = 'pending'")


def login(page, url: str, username: str, password: str = "kefu12345") -> None:
    page.goto(url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/desk/")


def customer_asks(browser, server, name: str, text: str, **context):
    """An anonymous visitor on the demo brand's chat page who gives ``name`` and asks ``text`` (which queues it)."""
    customer = browser.new_context(locale="zh-CN", **context).new_page()
    customer.goto(server.url + "/chat/xintianjie/")
    customer.fill("#name", name)
    customer.click("#begin")
    customer.fill("#text", text)
    customer.keyboard.press("Enter")
    return customer


def chat_across(browser, customer_side: "Server", agent_side: "Server"):
    """agent1002 gets ready on ``agent_side``; 林女士 asks on ``customer_side`` (信天捷快递) and the agent takes the
    offer that pops up: (agent's page, customer's page), the agent in the chat's workspace."""
    agent = browser.new_context(locale="zh-CN").new_page()
    login(agent, agent_side.url, "agent1002")
    agent.click("text=签入")
    agent.click("button.pick[data-status=ready]")
    expect(agent.locator("#my-state")).to_have_text("就绪")
    customer = browser.new_context(locale="zh-CN").new_page()
    customer.goto(customer_side.url + "/chat/xintianjie/")
    customer.fill("#name", "林女士")
    customer.fill("#phone", "13905910077")
    customer.click("#begin")
    expect(customer.locator("#msgs")).to_contain_text("信天捷")  # the greeting: the socket is open
    customer.fill("#text", "请问我的快递到哪里了")
    customer.keyboard.press("Enter")
    pop = agent.locator(".pop", has_text="林女士")  # it pops up on the agent's process without a reload
    expect(pop).to_contain_text("林女士")
    pop.locator("button.claim").click()
    agent.wait_for_url("**/desk/tickets/KF-*/")
    expect(agent.locator("#msgs")).to_contain_text("请问我的快递到哪里了")
    return agent, customer


def take(agent, name: str) -> str:
    """The agent takes the chat of the visitor called ``name`` from the screen pop; the ticket's number."""
    agent.locator(".pop", has_text=name).locator("button.claim").click()
    agent.wait_for_url("**/desk/tickets/KF-*/")
    return agent.url.rstrip("/").rsplit("/", 1)[1]


def shot(page, name: str) -> None:
    """The README's pictures (docs/screenshots) are taken at the suite's own clock only, so they do not move
    with the calendar; at another moment they go to var/screenshots/<moment>/ to be looked at."""
    moment = timeutil.parse_moment(os.environ["KEFU_NOW"])
    folder = (
        SCREENSHOTS
        if moment == timeutil.parse_moment(SUITE_CLOCK)
        else ROOT / "var" / "screenshots" / f"{moment:%Y-%m-%dT%H%M}"
    )
    folder.mkdir(parents=True, exist_ok=True)
    page.evaluate("Promise.all(document.getAnimations().map((a) => a.finished))")  # a pop still fading in
    page.screenshot(path=str(folder / name), full_page=False)


__all__ = ["Server", "customer_asks", "demo_queue_answered", "login", "shot", "shutil", "take"]


REDIS = ("127.0.0.1", 6379)


def redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def two_servers(tmp_path):
    if not redis_answers():
        pytest.skip("127.0.0.1:6379 上没有 Redis：多进程通道层无法测试")
    # one of Redis's numbered databases, so a run beside another does not hear its groups
    url = f"redis://127.0.0.1:6379/{uuid.uuid4().int % 15 + 1}"
    first = Server(tmp_path, redis_url=url)
    first.manage("migrate", "--noinput", "-v0")
    # its own smaller demo (not demo_copy): the full demo's waiting chat would be offered to the one ready agent
    # first, and this chat would wait behind it
    first.manage("demo-data", "--tickets", "4")
    first.open_round_the_clock()
    second = Server(tmp_path, redis_url=url)
    first.start()
    second.start()
    yield first, second
    first.kill()
    second.kill()
