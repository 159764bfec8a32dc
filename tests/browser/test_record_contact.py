"""A phone agent records an inbound call on 新建工单 in a real browser: the customer found or created by the phone as
typed, the brand's scripts and the standards check beside the form; then the ticket is found again by the phone
with spaces or dashes and by the name in traditional characters."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser


def test_a_call_is_recorded_and_found_again_as_people_type(server, browser):
    page = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN").new_page()
    login(page, server.url, "agent1001")
    page.click("nav >> text=新建工单")
    expect(page.locator("h1")).to_contain_text("新建工单")
    expect(page.locator("#scripts li").first).to_contain_text(
        "1001"
    )  # the opening script speaks with the 工号

    # a call from the demo's 张华, the number typed as it is read out: found, with the open work
    page.select_option("#id_type", label="查询")
    page.fill("#id_phone", "157 2511 7525")
    expect(page.locator("#new-aside")).to_contain_text("张华")
    expect(page.locator("#new-aside")).to_contain_text("老客户")
    page.fill("#id_subject", "快件三天没有更新")
    page.fill("#id_description", "客户来电：寄往上海的快件三天没有物流更新。")
    page.fill("#say", "你说得不对")
    expect(page.locator("#say-result")).to_contain_text("不规范用语")
    expect(page.locator("#say-violations li").first).to_be_visible()
    shot(page, "ticket-new.png")
    page.click("#say-violations .rewrite >> nth=0")
    expect(page.locator("#say")).not_to_have_value("你说得不对")
    page.click("button:has-text('建立工单')")
    expect(page.locator(".flash")).to_contain_text("已建立工单")
    zhang = page.locator(".ticket-head h1").inner_text().split()[0]
    expect(page.locator(".tags")).to_contain_text("电话")
    expect(page.locator("aside")).to_contain_text("张华")

    # a caller nobody knows yet: the name is asked for, then the customer is created with the ticket
    page.goto(server.url + "/tickets/new/")
    page.select_option("#id_channel", label="来访")
    page.fill("#id_phone", "199-0000-0001")
    expect(page.locator("#new-aside")).to_contain_text("没有使用该电话的客户")
    page.fill("#id_subject", "来访咨询寄件")
    page.click("button:has-text('建立工单')")
    expect(page.locator(".field-error")).to_contain_text("请填写客户姓名")
    expect(page.locator("#id_subject")).to_have_value("来访咨询寄件")
    page.fill("#id_name", "陈志强")
    page.click("button:has-text('建立工单')")
    expect(page.locator(".flash")).to_contain_text("已建立工单")
    chen = page.locator(".ticket-head h1").inner_text().split()[0]
    expect(page.locator(".tags")).to_contain_text("来访")

    # the ticket list finds them by a phone with spaces or dashes and by a name in traditional characters
    page.goto(server.url + "/tickets/")
    searches = (("157-2511-7525", zhang, "张华"), ("張華", zhang, "张华"), ("199 0000 0001", chen, "陈志强"))
    for typed, number, name in (*searches, ("陳志強", chen, "陈志强")):
        with page.expect_response(lambda r: "q=" in r.url):
            page.fill("input[name=q]", typed)
        # the swap of the answer may come a moment after it: wait for the filtered rows, not the list before them
        expect(page.locator("#rows tbody tr").filter(has_not_text=name)).to_have_count(0)
        expect(page.locator("#rows")).to_contain_text(number)
    shot(page, "ticket-search.png")
