"""Under kefu's content security policy (scripts from kefu's own origin only) the pages still work and the
browser reports no violation: the customer chat widget, the agent desk with its WebSocket, the ticket page, the
express complaint form, the API docs and the admin. Also the login page's lockout message."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser

# Runs before any page script; Playwright injects it outside the page's policy.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


def watched(browser, **options):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN", **options)
    context.add_init_script(WATCH)
    page = context.new_page()
    page.reported = []
    page.on(
        "console",
        lambda m: page.reported.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return page


def violations(page) -> list[str]:
    return page.reported + page.evaluate("window.__csp || []")


def test_the_chat_widget_and_the_desk_work_with_no_violation(server, browser):
    agent = watched(browser)
    login(agent, server.url, "agent1003")
    policy = agent.request.get(server.url + "/desk/").headers["content-security-policy"]
    assert (
        "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    agent.click("text=签入")
    agent.click("button.pick[data-status=ready]")
    expect(agent.locator("#my-state")).to_have_text("就绪")

    customer = watched(browser)
    customer.goto(server.url + "/chat/xintianjie/")
    customer.fill("#name", "王先生")
    customer.click("#begin")
    expect(customer.locator("#msgs")).to_contain_text("信天捷")
    customer.fill("#text", "你好，我的快递一直没到")
    customer.keyboard.press("Enter")
    expect(customer.locator(".msg[data-sender=customer]").first).to_be_visible()

    pop = agent.locator(".pop", has_text="王先生")  # the screen pop came over the desk's WebSocket
    expect(pop).to_be_visible()
    pop.locator("button.claim").click()
    agent.wait_for_url("**/desk/tickets/**")
    expect(agent.locator("body")).to_contain_text("你好，我的快递一直没到")
    agent.fill("#reply", "您好，请您提供一下运单号，我马上为您查询。")
    agent.click("#send")
    expect(customer.locator("#msgs")).to_contain_text("我马上为您查询")

    assert violations(customer) == [], violations(customer)
    assert violations(agent) == [], violations(agent)


def test_the_ticket_page_and_other_pages_work_with_no_violation(server, browser):
    page = watched(browser)
    login(page, server.url, "supervisor")
    (number,) = server.sql("select number from tickets_ticket order by id limit 1")[0]
    page.goto(f"{server.url}/tickets/{number}/")
    slider = page.locator("#replay")
    if slider.count():  # the history replay runs from tickets/detail.js
        slider.fill("1")
        expect(page.locator("#replay-state")).not_to_be_empty()
    page.fill(".reply-form textarea[name=body]", "你问我，我问谁？有本事就投诉我！")
    page.click(".reply-form button:has-text('回复')")
    expect(page.locator(".refusal")).to_contain_text("回复未发送")
    page.click("text=采用改写")
    expect(page.locator(".refusal")).to_have_class("refusal applied")
    assert violations(page) == [], violations(page)

    page.goto(server.url + "/express/complaints/new/")
    page.select_option("#id_type", label="延误投诉")
    expect(page.locator(".kind.on h2")).to_contain_text("延误投诉")
    expect(page.locator("#id_subtype")).to_be_enabled()

    for path in ("/api/docs", "/desk/supervisor/", "/accounts/lockouts/", "/tickets/", "/qa/"):
        page.goto(server.url + path)
        page.wait_for_load_state("networkidle")
    expect(page.locator("body")).to_contain_text("质检")
    page.goto(server.url + "/api/docs")
    expect(page.locator(".swagger-ui")).to_contain_text("kefu")
    assert violations(page) == [], violations(page)


def test_the_admin_works_with_no_violation(server, browser):
    page = watched(browser)
    page.goto(server.url + "/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "kefu12345")
    page.click("input[type=submit]")
    expect(page.locator("body")).to_contain_text("后台管理")
    page.goto(server.url + "/admin/tickets/ticket/")
    page.wait_for_load_state("networkidle")
    assert violations(page) == [], violations(page)


def test_the_login_page_explains_a_lockout_in_chinese(server, browser):
    page = watched(browser)
    page.goto(server.url + "/login/")
    for _ in range(5):
        page.fill("#id_username", "agent1005")
        page.fill("#id_password", "wrong-password")
        page.click("button[type=submit]")
    expect(page.locator("#lockout")).to_contain_text("登录失败次数过多")
    page.fill("#id_username", "agent1005")
    page.fill("#id_password", "kefu12345")
    page.click("button[type=submit]")
    expect(page.locator("#lockout")).to_contain_text("请主管在“登录锁定”页面解锁")
    shot(page, "login-locked.png")

    lead = watched(browser)
    login(lead, server.url, "supervisor")
    lead.goto(server.url + "/accounts/lockouts/")
    row = lead.locator("tr", has_text="agent1005")
    row.locator("text=解锁").click()
    expect(lead.locator(".flash")).to_contain_text("已解锁账号 agent1005")
    login(page, server.url, "agent1005")
    assert violations(page) == [] and violations(lead) == []
