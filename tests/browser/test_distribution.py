"""Work flows to agents by itself, in real browsers on `kefu serve` without Redis: a chat pops on the desk of the
agent it is given to, and when they do not take it in the team's time it moves to the next agent's desk."""

import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import demo_queue_answered, login

pytestmark = pytest.mark.browser


def _desk(browser, server, username):
    page = browser.new_context(locale="zh-CN").new_page()
    login(page, server.url, username)
    return page


def test_a_chat_not_taken_in_time_moves_to_the_next_agents_desk(server, browser):
    server.sql("UPDATE accounts_team SET accept_seconds = 3")
    # the demo's waiting customer and its ready agent would take part: it is answered, the agent leaves
    demo_queue_answered(server)
    demo_ready = _desk(browser, server, "agent1001")
    demo_ready.click("text=签退")
    expect(demo_ready.locator("#my-state")).to_have_text("离线")

    desks = [_desk(browser, server, name) for name in ("agent1002", "agent1003")]
    for desk in desks:
        desk.click("text=签入")
        desk.click("button.pick[data-status=ready]")
        expect(desk.locator("#my-state")).to_have_text("就绪")

    customer = browser.new_context(locale="zh-CN").new_page()
    customer.goto(server.url + "/chat/xintianjie/")
    customer.fill("#name", "周先生")
    customer.click("#begin")
    expect(customer.locator("#msgs")).to_contain_text("信天捷")
    customer.fill("#text", "我的快件到哪了？")
    customer.keyboard.press("Enter")

    def popped(desk):
        return desk.locator(".pop", has_text="周先生")

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(popped(d).count() for d in desks):
        time.sleep(0.1)
    first = next((d for d in desks if popped(d).count()), None)
    assert first is not None, "the chat popped on neither ready agent's desk"
    second = desks[1 - desks.index(first)]
    assert popped(second).count() == 0  # given to one agent, not offered to all
    expect(popped(first)).to_contain_text("秒内接起")

    # not taken within 3 s: it goes, said so, from the first desk to the second
    expect(popped(first)).to_contain_text("未在时限内接起", timeout=10000)
    expect(popped(second)).to_be_visible(timeout=10000)
    popped(second).locator("button.claim").click()
    second.wait_for_url("**/desk/tickets/KF-*/")
    expect(customer.locator("#msgs")).to_contain_text("号客服为您服务", timeout=10000)
