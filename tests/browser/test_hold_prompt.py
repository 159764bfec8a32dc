"""Hold timer: 45 s after the customer's last message without an answer, the agent is prompted with the
brand's long-wait phrase; answering clears the prompt. The browser clock is fast-forwarded, not waited for."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import customer_asks, login, take

pytestmark = pytest.mark.browser


def test_agent_is_prompted_to_send_the_long_wait_phrase_after_45_seconds(server, browser):
    agent = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
    agent.clock.install()
    login(agent, server.url, "agent1003")
    agent.click("text=签入")
    agent.click("button.pick[data-status=ready]")
    expect(agent.locator("#my-state")).to_have_text("就绪")

    customer = customer_asks(browser, server, "吴女士", "我的快件显示签收了但我没收到")
    take(agent, "吴女士")
    expect(agent.locator("#msgs")).to_contain_text("没收到")
    expect(agent.locator("#hold")).to_be_hidden()

    agent.clock.fast_forward("00:50")
    expect(agent.locator("#hold")).to_be_visible()
    expect(agent.locator("#hold-text")).to_have_text("很抱歉，我正在与您核实相关问题，请您耐心等待，谢谢！")
    agent.click("#hold-use")
    expect(agent.locator("#reply")).to_have_value("很抱歉，我正在与您核实相关问题，请您耐心等待，谢谢！")
    agent.click("#send")
    expect(customer.locator("#msgs")).to_contain_text("请您耐心等待")
    agent.clock.fast_forward("00:02")
    expect(agent.locator("#hold")).to_be_hidden()
