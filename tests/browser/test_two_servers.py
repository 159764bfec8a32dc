"""Two `kefu serve` processes sharing one database and Redis: a chat flows between them live.

The customer's browser talks to one process and the agent's to the other, as behind a load balancer;
only the Redis channel layer carries the offer, the messages and the reply across.
"""

import socket
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Server, login

pytestmark = pytest.mark.browser
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


def test_a_chat_crosses_between_two_server_processes(two_servers, browser):
    customer_side, agent_side = two_servers
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

    # the offer pops up on the other process without a reload
    pop = agent.locator(".pop", has_text="林女士")
    expect(pop).to_contain_text("林女士")
    pop.locator("button.claim").click()
    agent.wait_for_url("**/desk/tickets/KF-*/")
    expect(agent.locator("#msgs")).to_contain_text("请问我的快递到哪里了")

    customer.fill("#text", "单号是 XTJ202611240001")
    customer.keyboard.press("Enter")
    expect(agent.locator("#msgs")).to_contain_text("单号是 XTJ202611240001")

    agent.fill("#reply", "您好，我马上为您查询，请稍等")
    agent.click("#send")
    expect(agent.locator("#send-msg")).to_have_text("已发送")
    expect(customer.locator("#msgs")).to_contain_text("我马上为您查询")
