"""A supervisor's 后台管理: the stations of the brands they serve, a courier added to one in the browser."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser


def test_a_supervisor_adds_a_courier_to_a_station(server, browser):
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    login(page, server.url, "supervisor")
    page.click("nav >> text=后台管理")
    page.click("#content-main a[href='/admin/express/station/']")
    page.locator("#result_list tbody tr a").first.click()
    row = page.locator("#couriers-group tbody tr.form-row:not(.has_original):not(.empty-form)").first
    row.locator("input[name$=-name]").fill("林师傅")
    row.locator("input[name$=-phone]").fill("13600000099")
    row.locator("input[name$=-area]").fill("龙田镇")
    shot(page, "admin-station.png")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("成功")
    saved = page.locator("#couriers-group tbody tr.form-row.has_original input[name$=-area][value='龙田镇']")
    expect(saved).to_have_count(1)  # the new courier is now a saved row of the station
