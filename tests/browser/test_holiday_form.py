"""An admin enters next year's holidays in 后台管理 by pasting the State Council notice's lines: a mistyped month is
caught against the lunar calendar beside the field with the text kept, and the corrected schedule is loaded."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.standards.test_holiday_notice import NOTICE_2027

pytestmark = pytest.mark.browser


def test_an_admin_pastes_the_2027_notice_and_a_mistyped_month_is_caught(server, browser):
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.goto(server.url + "/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "kefu12345")
    page.click("input[type=submit]")
    page.goto(server.url + "/admin/brands/calendaryear/add/")
    page.fill("#id_year", "2027")
    page.fill("#id_source", "国务院办公厅关于2027年部分节假日安排的通知")
    page.fill("#id_notice", NOTICE_2027.replace("2月5日（农历腊月廿九）", "3月5日（农历腊月廿九）"))
    page.click("input[name=_save]")
    expect(page.locator(".errorlist")).to_contain_text("春节（2月6日，按农历或节气推算）不在放假日期里")
    expect(page.locator("#id_notice")).to_have_value(
        NOTICE_2027.replace("2月5日（农历腊月廿九）", "3月5日（农历腊月廿九）")
    )
    shot(page, "admin-holidays-error.png")

    page.fill("#id_notice", NOTICE_2027)
    page.click("input[name=_save]")
    expect(page.locator("#result_list")).to_contain_text("2027")
    page.locator("#result_list a", has_text="2027").click()
    expect(page.locator("#id_notice")).to_have_value(
        "元旦 2027-01-01 至 2027-01-03 放假\n"
        "春节 2027-02-05 至 2027-02-11 放假；2027-02-14、2027-02-20 上班\n"
        "清明节 2027-04-03 至 2027-04-05 放假\n"
        "劳动节 2027-05-01 至 2027-05-05 放假；2027-04-25、2027-05-08 上班\n"
        "端午节 2027-06-09 放假\n"
        "中秋节 2027-09-15 至 2027-09-17 放假\n"
        "国庆节 2027-10-01 至 2027-10-07 放假；2027-09-26、2027-10-09 上班"  # a make-up day goes with the nearest
    )
    shot(page, "admin-holidays.png")
    assert '"coverage": "loaded"' in server.manage("calendar", "show-year", "2027")
