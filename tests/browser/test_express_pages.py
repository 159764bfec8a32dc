"""The express pages in a real browser on the demo data: query → ticket, a problem parcel's step done in
place (htmx), a claim acknowledged in place, a typed complaint; a screenshot of each page."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser


def test_an_agent_works_through_the_express_pages(server, browser):
    page = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN").new_page()
    login(page, server.url, "agent1001")

    page.click("text=快递业务")
    expect(page.locator("h1")).to_contain_text("快递业务")
    expect(page.locator(".hub .tile")).to_have_count(6)
    shot(page, "express-hub.png")

    # 快件查询: a signed waybill is answered at once, and one click opens the 查询 ticket.
    (number,) = server.sql(
        "select w.number from express_waybill w join express_scan s on s.waybill_id = w.id "
        "where s.kind = '签收' order by w.number limit 1"
    )[0]
    page.click(".subnav >> text=快件查询")
    page.fill("#id_number", number)
    page.click("button:has-text('查询')")
    expect(page.locator(".say")).to_contain_text("签收")
    shot(page, "express-query.png")
    page.click("text=建查询工单并答复客户")
    expect(page.locator(".flash")).to_contain_text("已建立查询工单")

    # 问题件: the demo's wrong-phone parcel is mid-way; the out-of-area parcel waits for the recipient's choice.
    page.goto(server.url + "/express/problems/")
    cards = page.locator("article.problem")
    expect(cards).to_have_count(2)
    midway = cards.filter(has_text="电话错误或无法联系")
    expect(midway.locator(".steps li.done")).to_have_count(2)
    shot(page, "express-problems.png")
    out_of_area = cards.filter(has_text="超出派送范围")
    out_of_area.locator("button").click()  # no choice yet: the browser asks for it
    expect(out_of_area.locator(".steps li.done")).to_have_count(0)
    out_of_area.locator("select[name=choice]").select_option(label="转其他快递公司派送（转出）")
    out_of_area.locator("input[name=note]").fill("收件人不便自提")
    out_of_area.locator("button").click()
    swapped = page.locator("article.problem", has_text="超出派送范围")
    expect(swapped.locator(".flash")).to_contain_text("已完成第 1 步")
    expect(swapped.locator(".tag")).to_contain_text("转其他快递公司派送（转出）")
    expect(swapped.locator(".steps li.not_applicable")).to_have_count(1)
    expect(swapped.locator("button")).to_have_text("完成第 3 步")

    # 理赔: acknowledge the claim still waiting for its answer, in place.
    page.click(".subnav >> text=理赔")
    filed = page.locator("article.claim", has_text="已申告").first
    expect(filed.locator(".fired li").first).to_be_visible()
    shot(page, "express-claims.png")
    claim_id = filed.get_attribute("id")
    filed.locator("text=受理并答复客户").click()
    expect(page.locator(f"#{claim_id} .status")).to_have_text("已受理")

    # 快递投诉: a delay complaint asks for its delay type, then opens the 投诉 ticket.
    page.click(".subnav >> text=快递投诉")
    page.select_option("#id_type", label="延误投诉")
    expect(page.locator(".kind.on h2")).to_contain_text("延误投诉")
    page.select_option("#id_subtype", label="超区因素延误")
    page.fill("#id_waybill_number", number)
    page.fill("#id_description", "客户反映地址超区，三天未派送")
    shot(page, "express-complaint.png")
    page.click("text=建立投诉工单")
    expect(page.locator(".flash")).to_contain_text("已建立投诉工单")
    expect(page.locator("h1")).to_contain_text("超区因素延误")

    # 取件下单 (now under the same tabs): the answer comes at once.
    page.goto(server.url + "/express/pickup/")
    fields = {
        "customer_name": "福清电子科技有限公司",
        "origin_province": "福建",
        "origin_city": "福州",
        "origin_district": "福清",
        "dest_province": "广东",
        "dest_city": "广州",
        "dest_district": "白云",
        "item_name": "电路板样品（易碎）",
        "pieces": "2",
        "weight_kg": "6.5",
        "length": "40",
        "width": "30",
        "height": "25",
        "special_handling": "易碎，保价",
        "contact_name": "林经理",
        "phone": "059185550001",
        "address": "福建省福清市音西街道福清大道 12 号",
    }
    for name, value in fields.items():
        page.fill(f"input[name={name}]", value)
    page.click("text=受理并答复客户")
    expect(page.locator(".verdict")).to_have_text("可以寄递")
    shot(page, "express-pickup.png")

    # 取件跟踪: the new order waits for 陈师傅 until he has been; marking it picked up resolves its ticket.
    page.click(".subnav >> text=取件跟踪")
    row = page.locator("tr", has_text="福清电子科技有限公司").first
    expect(row).to_contain_text("陈师傅")
    shot(page, "express-pickups.png")
    row.locator("button", has_text="已取件").click()
    expect(page.locator(".flash")).to_contain_text("已取件，工单已解决")

    # 有发无到: 福清站 lists what was sent to it and never arrived; one click opens the origin stations' tickets.
    page.click(".subnav >> text=有发无到")
    expect(page.locator(".card-head")).to_have_count(2)
    expect(page.locator("td", has_text="未跟进")).to_have_count(2)
    shot(page, "express-arrivals.png")
    page.click("text=开跟进工单（2 件）")
    expect(page.locator(".flash")).to_contain_text("已为 2 个发出站点开跟进工单")
    expect(page.locator("td a[href^='/tickets/KF-']")).to_have_count(2)
    expect(page.locator("button", has_text="开跟进工单（0 件）")).to_be_disabled()


def test_the_pickup_forms_place_picker_offers_what_is_inside_and_errors_sit_beside_their_field(
    server, browser
):
    """省市区 under the strict content security policy: the picker's script and data are kefu's static files;
    a municipality fills its city, a city offers its districts; a wrong phone is answered beside the field."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    login(page, server.url, "agent1001")
    page.goto(server.url + "/express/pickup/")
    expect(page.locator("#pickup-form")).to_have_attribute("data-picker", "ready")

    page.fill("input[name=origin_province]", "福建")
    page.locator("input[name=origin_province]").dispatch_event("change")
    expect(page.locator("input[name=origin_province]")).to_have_value("福建省")
    expect(page.locator("#xp-origin-cities option")).to_have_count(9)
    page.fill("input[name=origin_city]", "福州")
    page.locator("input[name=origin_city]").dispatch_event("change")
    expect(page.locator("#xp-origin-districts option[value=福清市]")).to_have_count(1)
    page.fill("input[name=origin_district]", "福清市")
    page.fill("input[name=dest_province]", "上海")
    page.locator("input[name=dest_province]").dispatch_event("change")
    expect(page.locator("input[name=dest_city]")).to_have_value("上海市")  # a municipality is its own city
    expect(page.locator("#xp-dest-districts option[value=浦东新区]")).to_have_count(1)
    page.fill("input[name=dest_district]", "浦东新区")
    for name, value in {
        "item_name": "电路板",
        "pieces": "1",
        "weight_kg": "-2",
        "contact_name": "林经理",
        "phone": "123",
        "address": "福建省福清市音西街道福清大道 12 号",
    }.items():
        page.fill(f"input[name={name}]", value)
    page.click("text=受理并答复客户")
    phone = page.locator("label.has-error", has=page.locator("input[name=phone]"))
    expect(phone).to_contain_text("不是有效的电话号码：123")
    expect(page.locator("label.has-error", has=page.locator("input[name=weight_kg]"))).to_contain_text(
        "重量应大于 0 公斤"
    )
    expect(page.locator("input[name=origin_district]")).to_have_value("福清市")  # what was typed stays
    expect(page.locator("#pickup-form")).to_have_attribute("data-picker", "ready")
    assert refused == []
    shot(page, "express-pickup-errors.png")
    context.close()
