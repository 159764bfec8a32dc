"""Kill the server mid-conversation (SIGKILL, as in a crash), start it again: no acknowledged message is lost,
a message written while it was down is delivered after the reconnect, and nothing is stored twice."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _acked(page, text):
    bubble = page.locator("#msgs .msg", has_text=text)
    expect(bubble.locator(".ack")).to_have_text("已送达", timeout=20000)


def test_no_acknowledged_message_is_lost_when_the_server_restarts(server, browser):
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(server.url + "/chat/xintianjie/")
    page.fill("#name", "孙先生")
    page.click("#begin")
    expect(page.locator("#msgs")).to_contain_text("信天捷")
    for text in ("第一条：快件到哪了", "第二条：单号 XTJ202611240123"):
        page.fill("#text", text)
        page.keyboard.press("Enter")
        _acked(page, text)

    server.kill()
    expect(page.locator("#conn")).to_be_visible()
    page.fill("#text", "第三条：服务器重启时写的")
    page.keyboard.press("Enter")
    expect(page.locator("#msgs .msg", has_text="第三条").locator(".ack")).to_have_text("发送中")

    server.start()
    _acked(page, "第三条：服务器重启时写的")
    page.reload()
    for text in ("第一条：快件到哪了", "第二条：单号 XTJ202611240123", "第三条：服务器重启时写的"):
        expect(page.locator("#msgs .msg", has_text=text)).to_have_count(1)

    stored = server.sql(
        "SELECT m.body FROM chat_chatmessage m JOIN chat_chatsession s ON s.id = m.session_id "
        "WHERE s.visitor_name = ? AND m.sender = 'customer' ORDER BY m.seq",
        "孙先生",
    )
    assert [row[0] for row in stored] == [
        "第一条：快件到哪了",
        "第二条：单号 XTJ202611240123",
        "第三条：服务器重启时写的",
    ]
