"""The whole live-chat flow in a real browser: agent 就绪, customer writes, screen pop, compliance, reply, rating."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import customer_asks, login, shot, take

pytestmark = pytest.mark.browser


def _png(width: int = 160, height: int = 100) -> bytes:
    """A small brown-and-tape picture standing in for the customer's photo of a damaged parcel."""
    import struct
    import zlib

    rows = b""
    for y in range(height):
        row = b"\x00"
        for x in range(width):
            tape = abs(y - height // 2) < 6 or abs(x - width // 2) < 6
            torn = (x - 120) ** 2 + (y - 25) ** 2 < 200
            row += bytes((240, 240, 235) if torn else (200, 170, 110) if tape else (170, 125, 70))
        rows += row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = _png()


def signed_identity(server, brand: str, identifier: str) -> str:
    """The query string a brand's website puts on the chat page's address for a logged-in customer."""
    from urllib.parse import urlencode

    from kefu.brands.rules import identity_hash

    [(secret,)] = server.sql("select identity_secret from brands_brand where code = ?", brand)
    return urlencode({"identifier": identifier, "identity_hash": identity_hash(secret, identifier)})


def test_a_visitor_who_types_a_customers_phone_pops_as_unverified_with_no_history(server, browser):
    agent = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
    login(agent, server.url, "agent1003")
    agent.click("text=签入")
    agent.click("button.pick[data-status=ready]")
    expect(agent.locator("#my-state")).to_have_text("就绪")

    customer = browser.new_context(viewport={"width": 480, "height": 820}, locale="zh-CN").new_page()
    customer.goto(server.url + "/chat/xintianjie/")
    customer.fill("#name", "王先生")
    customer.fill("#phone", "13905910001")  # 王建国's number, typed by someone on the chat page
    customer.click("#begin")
    expect(customer.locator("#msgs")).to_contain_text("信天捷")
    customer.fill("#text", "请问我的快件到哪了？")  # the first words put the chat in the queue
    customer.keyboard.press("Enter")

    pop = agent.locator(".pop", has_text="王先生")
    expect(pop).to_contain_text("未验证")
    expect(pop.locator(".first-msg")).to_have_text("请问我的快件到哪了？")
    expect(pop).to_contain_text("139****0001")
    for secret in ("王建国", "老客户", "上次满意度", "近期运单"):
        expect(pop).not_to_contain_text(secret)
    agent.wait_for_timeout(400)  # the pop's slide-in
    shot(agent, "agent-desk-pop-unverified.png")

    # A message over the length limit is refused beside the box and the text stays for the customer to split.
    long_text = "我的快件" * 750
    customer.fill("#text", long_text)
    expect(customer.locator("#text-count")).to_have_text("3000/2000")
    customer.keyboard.press("Enter")
    expect(customer.locator("#err")).to_contain_text("消息最长 2000 字")
    expect(customer.locator("#text")).to_have_value(long_text)
    expect(customer.locator(".msg[data-sender=customer]")).to_have_count(1)  # only the first question

    # A forged identity on the page's address is refused at the start, in Chinese, and nothing is opened.
    forged = browser.new_context(locale="zh-CN").new_page()
    forged.goto(server.url + "/chat/xintianjie/?identifier=13905910001&identity_hash=" + "0" * 64)
    forged.click("#begin")
    expect(forged.locator("#start-err")).to_contain_text("身份签名无效")
    expect(forged.locator("#msgs")).to_be_hidden()


def test_agent_and_customer_complete_a_chat(server, browser):
    agent_ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    agent = agent_ctx.new_page()
    login(agent, server.url, "agent1003")
    # 签入, then 就绪: only ready agents are offered work.
    agent.click("text=签入")
    expect(agent.locator("#my-state")).to_have_text("已签入")
    agent.click("button.pick[data-status=ready]")
    expect(agent.locator("#my-state")).to_have_text("就绪")

    cust_ctx = browser.new_context(viewport={"width": 480, "height": 820}, locale="zh-CN")
    customer = cust_ctx.new_page()
    # A returning customer from the demo data, logged in on the brand's website, which signs who he is.
    customer.goto(server.url + "/chat/xintianjie/?" + signed_identity(server, "xintianjie", "13905910001"))
    expect(customer.locator("#phone")).to_have_count(0)
    customer.fill("#name", "王先生")
    customer.click("#begin")
    expect(customer.locator("#msgs")).to_contain_text("信天捷")  # the brand's greeting
    customer.fill("#text", "你好，我的快递破损了，单号 XTJ202611240099")
    customer.keyboard.press("Enter")
    expect(customer.locator(".msg .ack").last).to_have_text(re.compile("已送达|已读"))
    customer.set_input_files("#file", files=[{"name": "box.png", "mimeType": "image/png", "buffer": PNG}])
    expect(customer.locator("#msgs img")).to_have_count(1)

    # Screen pop without a reload: the customer card with returning / last rating.
    pop = agent.locator(".pop", has_text="王建国")
    expect(pop).to_contain_text("王建国")
    expect(pop).to_contain_text("老客户")
    expect(pop).to_contain_text("上次满意度")
    shot(agent, "agent-desk-pop.png")
    pop.locator("button.claim").click()
    agent.wait_for_url("**/desk/tickets/KF-*/")
    expect(agent.locator("#msgs")).to_contain_text("单号 XTJ202611240099")
    expect(agent.locator("#msgs img")).to_have_count(1)  # the photo of the damaged parcel
    # read state: the agent has the conversation open, the customer sees 已读; typing shows on the other side
    expect(customer.locator(".msg .ack").first).to_have_text("已读")
    customer.type("#text", "在吗")
    expect(agent.locator("#typing")).to_have_text("客户正在输入…")
    customer.fill("#text", "")

    # A forbidden phrase is underlined with its category, with a one-click rewrite.
    agent.fill("#reply", "你自己去问问吧")
    expect(agent.locator("#preview mark")).to_have_count(1)
    expect(agent.locator("#violations")).to_contain_text("推卸")
    expect(agent.locator(".override-box")).to_be_visible()
    agent.click("#send")
    expect(agent.locator("#send-msg")).to_contain_text("严重服务忌语")

    agent.evaluate("window.scrollTo(0, 0)")
    shot(agent, "agent-workspace.png")
    agent.locator("#violations .rewrite").first.click()
    expect(agent.locator("#reply")).to_have_value(re.compile("帮您联系相关部门"))
    expect(agent.locator("#preview")).to_contain_text("未发现服务忌语")
    agent.click("#send")
    expect(agent.locator("#send-msg")).to_have_text("已发送")

    expect(customer.locator("#msgs")).to_contain_text("帮您联系相关部门")
    # The agent's box counts toward the same length limit: a longer reply is not sent and stays for splitting.
    long_reply = "您好，" * 1000
    agent.fill("#reply", long_reply)
    expect(agent.locator("#reply-count")).to_have_text("3000/2000")
    agent.click("#send")
    expect(agent.locator("#send-msg")).to_contain_text("回复最长 2000 字")
    expect(agent.locator("#reply")).to_have_value(long_reply)
    agent.fill("#reply", "")

    # The script panel fills the closing sentence with the brand's wording.
    agent.locator("#scripts li[data-id=closing]").click()
    agent.click("#send")
    expect(customer.locator("#msgs")).to_contain_text("再见")
    shot(customer, "customer-chat.png")
    agent.click("#end-chat")
    expect(agent.locator("#end-dialog")).to_be_visible()  # 结束会话 asks for the outcome first
    agent.check("#end-form input[name=outcome][value=resolved]")
    agent.click("#end-confirm")

    expect(customer.locator("#rate")).to_be_visible()
    customer.click("#stars button[data-score='5']")
    customer.fill("#comment", "处理很快，谢谢")
    customer.click("#submit-rate")
    expect(customer.locator("#thanks")).to_be_visible()

    agent.reload()
    expect(agent.locator("#qa-sheet")).to_contain_text("质检评分表")
    expect(agent.locator("#qa-sheet .score-big")).to_have_text(re.compile(r"\d+"))
    expect(agent.locator("#rating")).to_contain_text("5 分")
    expect(agent.locator("#rating")).to_contain_text("处理很快，谢谢")
    expect(agent.locator("#msgs")).to_contain_text("单号 XTJ202611240099")

    sup_ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    sup = sup_ctx.new_page()
    login(sup, server.url, "supervisor")
    sup.goto(server.url + "/desk/supervisor/")
    expect(sup.locator("#board")).to_contain_text("坐席状态")
    expect(sup.locator("#board")).to_contain_text("小休")
    expect(sup.locator("#board")).to_contain_text("赵女士")  # the demo customer still waiting
    shot(sup, "supervisor.png")


def test_a_chat_ended_with_a_promise_keeps_its_ticket_open_on_the_promised_time(server, browser):
    from datetime import timedelta

    from kefu.timeutil import local_now

    agent = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
    login(agent, server.url, "agent1002")
    agent.click("text=签入")
    agent.click("button.pick[data-status=ready]")
    customer = customer_asks(browser, server, "周先生", "我的快件破损了，怎么赔？")
    number = take(agent, "周先生")

    agent.click("#end-chat")
    dialog = agent.locator("#end-dialog")
    expect(dialog).to_be_visible()
    agent.click("#end-confirm")  # no outcome chosen: the browser keeps the dialog open and nothing is sent
    expect(dialog).to_be_visible()
    agent.check("#end-form input[name=outcome][value=pending]")
    agent.select_option("#end-form select[name=department]", label="售后")
    promised = (local_now() + timedelta(days=1)).replace(hour=18, minute=0, second=0, microsecond=0)
    agent.fill("#end-form input[name=promised_at]", promised.strftime("%Y-%m-%dT%H:%M"))
    agent.fill("#end-form input[name=promise]", "核实破损情况后答复赔偿方案")
    shot(agent, "chat-end-pending.png")
    agent.click("#end-confirm")

    expect(customer.locator("#msgs")).to_contain_text(
        f"您的问题已转交售后处理，我们会在{promised:%-m月%-d日} 18:00前给您答复"
    )
    agent.goto(f"{server.url}/tickets/{number}/")
    expect(agent.locator(".ticket-head .tags")).to_contain_text("等待部门")
    feedback = agent.locator(".clock.running", has_text="转交后反馈进展")
    expect(feedback).to_contain_text(f"应于 {promised:%m-%d} 18:00")


def _losing(page, path: str, marker: str, lost: list[str]) -> None:
    """The page's socket to ``path`` loses the first push from the server that carries ``marker`` (a full queue,
    a Redis restart); what it lost is noted in ``lost``."""

    def route(ws):
        server = ws.connect_to_server()

        def to_page(message):
            frame = json.loads(message)  # frames escape Chinese (\uXXXX): read them to look
            if frame.get("type") == "message" and marker in frame["message"]["body"] and not lost:
                lost.append(str(message))
                return
            ws.send(message)

        server.on_message(to_page)

    page.route_web_socket(re.compile(re.escape(path)), route)


def test_a_push_lost_on_its_way_is_fetched_again_on_both_screens(server, browser):
    """The agent's workspace sees a hole in the numbers and asks for it; the customer's page, whose lost push is
    the conversation's last (no later push shows a hole), finds it on its next check. Each once, in order."""
    agent = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
    login(agent, server.url, "agent1003")
    agent.click("text=签入")
    agent.click("button.pick[data-status=ready]")
    expect(agent.locator("#my-state")).to_have_text("就绪")
    lost_on_desk, lost_on_page = [], []
    _losing(agent, "/ws/desk/", "第二条", lost_on_desk)

    customer = browser.new_context(viewport={"width": 480, "height": 820}, locale="zh-CN").new_page()
    _losing(customer, "/ws/chat/", "正在为您查询", lost_on_page)
    customer.goto(server.url + "/chat/xintianjie/")
    customer.fill("#name", "周女士")
    customer.click("#begin")
    expect(customer.locator("#msgs")).to_contain_text("信天捷")
    customer.fill("#text", "第一条：我的快递还没到")
    customer.keyboard.press("Enter")
    pop = agent.locator(".pop", has_text="周女士")
    expect(pop).to_contain_text("周女士")
    pop.locator("button.claim").click()
    agent.wait_for_url("**/desk/tickets/KF-*/")
    expect(agent.locator("#msgs")).to_contain_text("第一条")

    for text in ("第二条：单号 XTJ202611240123", "第三条：麻烦快一点"):
        customer.fill("#text", text)
        customer.keyboard.press("Enter")
        expect(customer.locator(".msg .ack").last).to_have_text(re.compile("已送达|已读"))
    expect(agent.locator("#msgs")).to_contain_text("第三条")
    expect(agent.locator("#msgs")).to_contain_text("第二条")  # fetched again after the hole
    assert lost_on_desk, "the desk's push of the second message was not lost: the test tested nothing"
    texts = agent.locator("#msgs .msg[data-sender=customer]").all_inner_texts()
    assert [t[:3] for t in texts] == ["第一条", "第二条", "第三条"]
    seqs = [int(s) for s in agent.locator("#msgs .msg").evaluate_all("els => els.map(e => e.dataset.seq)")]
    assert seqs == sorted(set(seqs))

    agent.fill("#reply", "您好，正在为您查询，请稍等")
    agent.click("#send")
    expect(agent.locator("#send-msg")).to_have_text("已发送", timeout=15000)  # a fresh server's first reply
    # the push of the reply never reached the customer's page; its check every 10 s fetches it
    expect(customer.locator("#msgs")).to_contain_text("正在为您查询", timeout=15000)
    assert lost_on_page, "the page's push of the reply was not lost: the test tested nothing"
    assert customer.locator("#msgs .msg", has_text="正在为您查询").count() == 1
    page_seqs = [
        int(s)
        for s in customer.locator("#msgs .msg[data-seq]").evaluate_all("els => els.map(e => e.dataset.seq)")
    ]
    assert page_seqs == list(range(1, len(page_seqs) + 1))
