"""Two `kefu serve` processes sharing one database and Redis: a chat flows between them live.

The customer's browser talks to one process and the agent's to the other, as behind a load balancer;
only the Redis channel layer carries the offer, the messages and the reply across.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import chat_across

pytestmark = pytest.mark.browser


def test_a_chat_crosses_between_two_server_processes(two_servers, browser):
    customer_side, agent_side = two_servers
    agent, customer = chat_across(browser, customer_side, agent_side)

    customer.fill("#text", "单号是 XTJ202611240001")
    customer.keyboard.press("Enter")
    expect(agent.locator("#msgs")).to_contain_text("单号是 XTJ202611240001")

    agent.fill("#reply", "您好，我马上为您查询，请稍等")
    agent.click("#send")
    expect(agent.locator("#send-msg")).to_have_text("已发送")
    expect(customer.locator("#msgs")).to_contain_text("我马上为您查询")
