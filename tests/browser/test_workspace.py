"""One agent, several live chats, in a real browser on `kefu serve`: work given to them pops on whatever kefu page
they are on (title, sound, the pop itself), their conversations are tabs with unread counts and waits, each
keeps its draft, and the workspace's actions and SLA clocks change in place without a reload."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import customer_asks, demo_queue_answered, login, shot

pytestmark = pytest.mark.browser


def test_an_agent_serves_several_chats_from_tabs_and_is_alerted_on_any_page(server, browser):
    demo_queue_answered(server)
    agent = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
    login(agent, server.url, "agent1003")
    agent.click("text=签入")
    agent.click("button.pick[data-status=ready]")
    expect(agent.locator("#my-state")).to_have_text("就绪")

    # Working on the ticket list, not the desk: the chat given to the agent pops here, with its first words
    agent.goto(server.url + "/tickets/")
    agent.click("#sound-toggle")  # off …
    expect(agent.locator("#sound-toggle")).to_have_text("提示音：关")
    agent.click("#sound-toggle")  # … and on again (the browser may ring only after a click on the page)
    expect(agent.locator("#sound-toggle")).to_have_text("提示音：开")
    rang = int(agent.evaluate("document.body.dataset.rang || 0"))
    first = customer_asks(browser, server, "钱先生", "我的快件三天没动了，单号 XTJ202611240099")
    toast = agent.locator("#alerts .pop", has_text="钱先生")
    expect(toast).to_contain_text("三天没动了")
    expect(toast).to_contain_text("秒内接起")
    expect(agent).to_have_title(re.compile(r"^【1 个新任务】"))  # the title flashes while it waits
    assert int(agent.evaluate("document.body.dataset.rang")) > rang  # and the bell rang
    shot(agent, "alert-on-any-page.png")
    toast.locator("button.claim").click()
    agent.wait_for_url("**/desk/tickets/KF-*/")
    expect(agent.locator("#msgs")).to_contain_text("三天没动了")
    expect(agent.locator("#my-chats .tab")).to_have_count(1)

    # A draft in the first chat, then a second chat arrives while the agent is in it (capacity 3)
    agent.fill("#reply", "您好，我马上帮您查询")
    second = customer_asks(browser, server, "孙女士", "想寄一箱水果到杭州，能上门取件吗？")
    agent.locator("#alerts .pop", has_text="孙女士").locator("button.claim").click()
    expect(agent.locator("#msgs")).to_contain_text("上门取件")
    tabs = agent.locator("#my-chats .tab")
    expect(tabs).to_have_count(2)
    expect(agent.locator("#my-chats .tab.on")).to_contain_text("孙女士")
    expect(agent.locator("#my-chats .tabs-head")).to_contain_text("2/3")

    # The first customer writes again: their tab counts it unread and says how long they wait
    first.fill("#text", "麻烦快一点")
    first.keyboard.press("Enter")
    qian = agent.locator("#my-chats .tab", has_text="钱先生")
    expect(qian.locator(".badge")).to_have_text("1")  # the first message was read when the agent took it
    expect(qian).to_contain_text("麻烦快一点")
    expect(qian.locator(".wait")).to_contain_text(re.compile(r"等待 \d+ 秒"))

    # The reply meets the first-reply clock: the clock says so at once, and the tab shows the answer
    clock = agent.locator("#ws-clocks .clock", has_text="在线首次回复")
    expect(clock).to_contain_text("计时中")
    expect(clock.locator(".countdown")).to_have_text(re.compile(r"^剩余 \d+ 时 \d+ 分 \d+ 秒$"))
    agent.evaluate("window.notReloaded = true")
    agent.fill("#reply", "您好，可以上门取件，请问您的寄件地址是？")
    agent.click("#send")
    expect(agent.locator("#send-msg")).to_have_text("已发送")
    expect(second.locator("#msgs")).to_contain_text("寄件地址")
    expect(clock).to_contain_text("已达成")
    expect(agent.locator("#my-chats .tab.on .answered")).to_have_text("已回复")

    # An internal note is added in place: the history grows, the note's box empties, the draft stays
    agent.fill("#reply", "好的，")
    agent.fill("#ws-actions textarea[name=body]", "客户要求上门取件，水果需包装")
    agent.click("#ws-actions >> text=添加备注")
    expect(agent.locator("#ws-result")).to_have_text("备注已添加")
    expect(agent.locator("#ws-history")).to_contain_text("客户要求上门取件，水果需包装")
    expect(agent.locator("#ws-actions textarea[name=body]")).to_have_value("")
    expect(agent.locator("#reply")).to_have_value("好的，")
    # a status change too: the tags and the next statuses follow, still without a reload
    expect(agent.locator("#ws-transition select[name=to]")).to_have_value(
        ""
    )  # no status is picked for the agent
    agent.select_option("#ws-transition select[name=to]", label="等待客户")
    agent.click("#ws-transition button")
    expect(agent.locator("#ws-tags .status")).to_have_text("等待客户")
    assert agent.evaluate("window.notReloaded") is True
    history = agent.locator("#ws-history").inner_text()
    for english in ("status", "assignee", "queue", "in_progress", "assigned"):
        assert english not in history
    agent.evaluate("window.scrollTo(0, 0)")
    shot(agent, "agent-workspace-tabs.png")

    # Back to the first chat: its draft is in the box, its messages are read
    qian.click()
    expect(agent.locator("#msgs")).to_contain_text("麻烦快一点")
    expect(agent.locator("#reply")).to_have_value("您好，我马上帮您查询")
    expect(agent.locator("#my-chats .tab.on")).to_contain_text("钱先生")
    expect(agent.locator("#my-chats .tab.on .badge")).to_have_count(0)
    # and the second chat's draft waits in its own tab
    agent.locator("#my-chats .tab", has_text="孙女士").click()
    expect(agent.locator("#reply")).to_have_value("好的，")

    # the ticket page counts the first chat's clock down the same way (kefu/clocks.js): its customer still waits
    agent.goto(server.url + qian.get_attribute("href").replace("/desk/tickets/", "/tickets/"))
    waiting = agent.locator(".clock[data-remaining]", has_text="在线首次回复")
    expect(waiting.locator(".countdown")).to_have_text(re.compile(r"^(剩余|已超) \d+ 时 \d+ 分 \d+ 秒$"))
