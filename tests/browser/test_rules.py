"""A supervisor changes a brand's rules in the browser on one `kefu serve` process; an agent working on another
process (same database and Redis) meets the change on their next check, without a restart.

Forbidden phrase: two examples and a counter-example that matches (refused beside the field, text kept), then a
counter-example that does not (saved); the agent's as-you-type check in the workspace flags it within a second;
the same words are not flagged for another brand; the change is in the history and a revert takes it back.
Wording: the brand's 开始语 changed shows in the agent's script panel.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import chat_across, login, shot

pytestmark = pytest.mark.browser
PHRASE = "这个要问快递员"


def type_reply(agent, text):
    agent.fill("#reply", "")
    agent.fill("#reply", text)


def test_a_supervisor_adds_a_phrase_on_one_process_and_an_agent_on_another_meets_it(two_servers, browser):
    first, second = two_servers
    agent, _ = chat_across(browser, first, second)
    type_reply(agent, PHRASE + "，您再等等")
    expect(agent.locator("#preview")).to_contain_text("未发现服务忌语")

    lead = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 900}).new_page()
    login(lead, first.url, "supervisor")
    lead.click("nav >> text=规则")
    lead.select_option("select[name=brand]", "xintianjie")
    lead.click("text=切换品牌")
    lead.wait_for_url("**/rules/xintianjie/")
    lead.click("text=＋ 新增忌语")
    lead.fill("textarea[name=patterns]", "{这个|那个|}要问快递员")
    lead.select_option("select[name=category]", "shirk")
    lead.select_option("select[name=severity]", "severe")
    lead.fill("input[name=rewrite]", "我来帮您联系快递员核实")
    lead.fill("textarea[name=examples]", "这个要问快递员\n那个要问快递员吧")
    lead.fill("textarea[name=counter_examples]", "这个要问快递员才知道")
    lead.fill("input[name=reason]", "12月3日客户投诉坐席推给快递员")
    lead.click("button[value=save]")
    error = lead.locator("textarea[name=counter_examples] ~ .field-error")
    expect(error).to_have_text("反例“这个要问快递员才知道”被误判为忌语")
    expect(lead.locator("textarea[name=examples]")).to_have_value("这个要问快递员\n那个要问快递员吧")
    shot(lead, "rules-forbidden-refused.png")

    lead.fill("textarea[name=counter_examples]", "我帮您问快递员")
    lead.click("#try")
    expect(lead.locator("#trial")).to_contain_text("2 句例句都识别出了，1 句反例没有误判")
    lead.click("button[value=save]")
    expect(lead.locator(".flash")).to_have_text("忌语已保存，所有坐席的话术检查即刻生效")
    expect(lead.locator("tbody tr").first).to_contain_text("本品牌新增")
    shot(lead, "rules-forbidden.png")

    # the other process: its next check flags it (it reads the brand's rules version on every check: no delay)
    type_reply(agent, PHRASE + "，您再等等")
    expect(agent.locator("#violations")).to_contain_text("推卸")
    expect(agent.locator("#violations")).to_contain_text("我来帮您联系快递员核实")

    # every process: 新建工单's 话术自查 for this brand on the process it was saved on flags it too; for another
    # brand (欧飞) the same words pass, on either process
    other = lead.context.new_page()
    for server, brand, answer in (
        (first, "信天捷快递", "发现 1 处不规范用语"),
        (first, "欧飞", "未发现服务忌语"),
        (second, "欧飞", "未发现服务忌语"),
    ):
        other.goto(server.url + "/tickets/new/")
        other.select_option("#id_brand", label=brand)
        other.fill("#say", PHRASE + "，您再等等")
        expect(other.locator("#say-result")).to_contain_text(answer)

    # the history, and a revert
    lead.click(".subnav >> text=修改记录")
    row = lead.locator("tbody tr").first
    expect(row).to_contain_text("12月3日客户投诉坐席推给快递员")
    expect(row).to_contain_text("赵主管")
    shot(lead, "rules-history.png")
    row.locator("button", has_text="撤销").click()
    expect(lead.locator(".flash")).to_contain_text("已撤销")
    type_reply(agent, PHRASE + "，您再等等")
    expect(agent.locator("#preview")).to_contain_text("未发现服务忌语")

    # the brand's 开始语, changed before 春节: the agent's script panel says it after a reload
    lead.click(".subnav >> text=话术")
    lead.locator("tr[data-situation=opening] a", has_text="修改").click()
    lines = lead.locator("textarea[name=lines]")
    lines.fill("【春节】{greeting}！信天捷快递给您拜年了，请问有什么可以帮您？\n" + lines.input_value())
    lead.fill("input[name=reason]", "春节前换用节日开始语")
    shot(lead, "rules-phrase.png")
    lead.click("button[value=save]")
    expect(lead.locator(".flash")).to_contain_text("话术已保存")
    lead.locator("tr[data-situation=opening] a", has_text="修改").click()
    lines.fill("{greeting}，信天捷快递客服中心，请问有什么可以帮您？")
    lead.fill("input[name=reason]", "统一报全称")
    lead.click("button[value=save]")
    agent.reload()
    expect(agent.locator("#scripts li[data-id=opening]")).to_contain_text("信天捷快递客服中心")

    # a shorter promise for this brand's complaints
    lead.click(".subnav >> text=SLA 时限")
    lead.locator("tr[data-type=complaint][data-target=resolve] a", has_text="修改").click()
    lead.fill("input[name=amount]", "3")
    lead.fill("input[name=reason]", "VIP 合同：3 天内告知处理结果")
    shot(lead, "rules-sla.png")
    lead.click("button[value=save]")
    row = lead.locator("tr[data-type=complaint][data-target=resolve]")
    expect(row).to_contain_text("3天")
    expect(row).to_contain_text("本品牌修改")
