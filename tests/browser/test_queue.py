"""A day's rush on the desk, in real browsers on `kefu serve` (issue 12, Done when): three agents of one team with
room for two chats each, seven customers. Work reaches an agent by itself within 2 s of them having room, never
above capacity; an agent who does not take a chat in the team's time loses it to the next; the seventh customer
sees their place count down and, once the brand's wait limit has passed, leaves a message instead."""

import re
import time
from datetime import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import demo_queue_answered, login, shot

pytestmark = pytest.mark.browser

ACCEPT_SECONDS, LEAVE_AFTER = 5, 30


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _ready(desk) -> None:
    state = desk.locator("#my-state").inner_text()
    if state == "离线":
        desk.click("text=签入")
        expect(desk.locator("#my-state")).to_have_text("已签入")
    if state != "就绪":
        desk.click("button.pick[data-status=ready]")
    expect(desk.locator("#my-state")).to_have_text("就绪")


def _customer(browser, server, name: str):
    page = browser.new_context(viewport={"width": 480, "height": 760}, locale="zh-CN").new_page()
    page.goto(server.url + "/chat/xintianjie/")
    page.fill("#name", name)
    page.click("#begin")
    expect(page.locator("#msgs")).to_contain_text("信天捷")
    page.fill("#text", f"我是{name}，我的快件三天没有更新了")
    page.keyboard.press("Enter")
    expect(page.locator(".msg[data-sender=customer] .ack")).to_have_text(re.compile("已送达|已读"))
    return page


def _accept(desk, server, name: str) -> None:
    """Take the chat given to this desk's agent (its pop, or the offer list after a reload), back to the desk."""
    button = desk.locator(
        f'.pop:has-text("{name}") .claim-btn, li[data-offer]:has-text("{name}"):has-text("已分配给您") .claim-btn'
    ).first
    button.click()
    desk.wait_for_url("**/desk/tickets/KF-*/")
    expect(desk.locator("#msgs")).to_contain_text(name)
    desk.goto(server.url + "/desk/")


def _assignments(server, name: str) -> list[tuple]:
    return server.sql(
        "SELECT u.username, a.assigned_at, a.outcome, o.created_at, o.accept_by FROM chat_offerassignment a "
        "JOIN chat_offer o ON o.id = a.offer_id JOIN chat_chatsession s ON s.id = o.session_id "
        "JOIN accounts_user u ON u.id = a.agent_id WHERE s.visitor_name = ? ORDER BY a.id",
        name,
    )


def test_seven_customers_three_agents_of_two_chats_each(server, browser):
    server.sql("UPDATE accounts_team SET chat_capacity = 2, accept_seconds = ?", ACCEPT_SECONDS)
    server.sql(
        "UPDATE brands_brand SET leave_message_after_seconds = ? WHERE code = 'xintianjie'", LEAVE_AFTER
    )
    # the demo's waiting customer would take a place in the queue
    demo_queue_answered(server)
    desks = {}
    for username in ("agent1001", "agent1002", "agent1003"):
        desk = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN").new_page()
        login(desk, server.url, username)
        _ready(desk)
        desks[username] = desk

    # The first customer is given to one agent, who lets it pass: after the team's 5 s it goes to the next.
    first = _customer(browser, server, "客户1")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not _assignments(server, "客户1"):
        time.sleep(0.1)
    [(passed_by, *_)] = _assignments(server, "客户1")
    expect(desks[passed_by].locator(".pop", has_text="客户1")).to_contain_text(
        "未在时限内接起", timeout=10000
    )
    given = _assignments(server, "客户1")
    assert len(given) == 2 and given[0][2] == "expired" and given[1][0] != passed_by
    assert (
        _at(given[1][1]) - _at(given[0][4])
    ).total_seconds() <= 2  # the next agent within 2 s of the timeout
    taker = given[1][0]
    _accept(desks[taker], server, "客户1")
    expect(first.locator("#msgs")).to_contain_text("号客服为您服务")

    # Five more fill every agent's room at once (time enough to take them now); the seventh waits.
    server.sql("UPDATE accounts_team SET accept_seconds = 300")
    customers = [_customer(browser, server, f"客户{n}") for n in range(2, 8)]
    seventh = customers[-1]
    for n in range(2, 7):
        [(agent, assigned_at, _, created_at, _)] = _assignments(server, f"客户{n}")
        assert (_at(assigned_at) - _at(created_at)).total_seconds() <= 2, f"客户{n} waited for room it had"
    assert _assignments(server, "客户7") == []  # nobody has room: nobody is given it
    load = dict(
        server.sql(  # kefu.chat.distribution's load: live chats and work given and not yet taken
            "SELECT u.username, (SELECT COUNT(*) FROM chat_chatsession s WHERE s.agent_id = u.id AND "
            "s.state = 'active') + (SELECT COUNT(*) FROM chat_offer o WHERE o.assigned_to_id = u.id AND "
            "o.claimed_by_id IS NULL AND o.withdrawn_at IS NULL) FROM accounts_user u "
            "WHERE u.username IN ('agent1001', 'agent1002', 'agent1003')"
        )
    )
    assert load == {"agent1001": 2, "agent1002": 2, "agent1003": 2}  # one taken, five waiting to be: two each

    # The five ahead of the seventh are still waiting to be taken: its place counts down as each is.
    queue = seventh.locator("#queue-text")
    expect(queue).to_contain_text("您前面还有5位")
    shot(seventh, "chat-queue.png")
    ahead = 5
    for n in range(2, 7):
        [(agent, *_)] = _assignments(server, f"客户{n}")
        _accept(desks[agent], server, f"客户{n}")
        ahead -= 1
        expect(queue).to_contain_text(f"您前面还有{ahead}位" if ahead else "您前面已没有其他客户")
    active = server.sql(
        "SELECT u.username, COUNT(*) FROM chat_chatsession s JOIN accounts_user u ON u.id = s.agent_id "
        "WHERE s.state = 'active' GROUP BY u.username"
    )
    assert dict(active) == {"agent1001": 2, "agent1002": 2, "agent1003": 2}  # full, none above

    # Past the brand's wait limit the seventh may leave a message; it becomes open work with its clock.
    expect(seventh.locator("#leave-btn")).to_be_visible(timeout=(LEAVE_AFTER + 10) * 1000)
    expect(queue).to_contain_text("您可以继续等待，也可以留言")
    seventh.click("#leave-btn")
    expect(seventh.locator("#inputbar")).to_be_hidden()
    seventh.fill("#leave-phone", "139 0591 0077")
    left = "运单 XTJ202611240077 三天没有更新，请尽快联系我"
    seventh.fill("#leave-text", left)
    expect(seventh.locator("#leave-count")).to_have_text(f"{len(left)}/2000")  # the limit, shown as one types
    shot(seventh, "chat-leave-message.png")
    seventh.click("#leave-send")
    expect(seventh.locator("#left")).to_be_visible()
    expect(seventh.locator("#msgs")).to_contain_text(
        re.compile(r"您的留言我们已经收到，会在\d+月\d+日 \d\d:\d\d前与您联系")
    )
    expect(seventh.locator("#rate")).to_be_hidden()  # nobody served them: nothing to rate
    [(body, contact)] = server.sql(
        "SELECT e.body, json_extract(e.data, '$.contact') FROM tickets_ticketevent e "
        "JOIN chat_chatsession s ON s.ticket_id = e.ticket_id WHERE s.visitor_name = '客户7' AND e.kind = 'customer_message'"
    )
    assert body == left and contact == "13905910077"


def test_outside_service_hours_the_customer_leaves_a_message_due_after_the_next_opening(server, browser):
    from datetime import timedelta

    from kefu import timeutil

    now = timeutil.local_now()  # the server's clock (KEFU_NOW) as this run has it
    # an hour of service that is not now: later today, or early tomorrow morning when it is late
    opens = now.replace(hour=now.hour + 2, minute=0, second=0, microsecond=0) if now.hour < 20 else None
    opens = opens or (now + timedelta(days=1)).replace(hour=1, minute=0, second=0, microsecond=0)
    server.sql(
        "UPDATE brands_brand SET service_start = ?, service_end = ?, open_on_holidays = 1 WHERE code = 'xintianjie'",
        f"{opens:%H}:00:00",
        f"{opens.hour + 1:02d}:00:00",
    )
    page = browser.new_context(viewport={"width": 480, "height": 760}, locale="zh-CN").new_page()
    page.goto(server.url + "/chat/xintianjie/")
    expect(page.locator("#closed-note")).to_contain_text(
        f"服务时间为每天{opens:%H}:00–{opens.hour + 1:02d}:00"
    )
    shot(page, "chat-out-of-hours.png")
    page.fill("#name", "周先生")
    page.fill("#phone", "136 0013 6000")
    page.click("#begin")
    expect(page.locator("#leave")).to_be_visible()  # nobody can answer now: the page asks for a message
    expect(page.locator("#inputbar")).to_be_hidden()
    expect(page.locator("#leave-phone")).to_have_value("136 0013 6000")
    page.fill("#leave-text", "请上班后联系我，运单 XTJ202611240123 地址要改")
    page.click("#leave-send")
    due = opens + timedelta(minutes=5)
    expect(page.locator("#msgs")).to_contain_text(f"会在{due.month}月{due.day}日 {due:%H:%M}前与您联系")
    expect(page.locator("#left")).to_be_visible()
    [(status, channel)] = server.sql(
        "SELECT t.status, t.channel FROM tickets_ticket t JOIN chat_chatsession s ON s.ticket_id = t.id "
        "WHERE s.visitor_name = '周先生'"
    )
    assert status not in ("resolved", "closed") and channel == "chat"


def test_a_visitor_who_never_speaks_finds_the_conversation_ended(server, browser):
    page = browser.new_context(viewport={"width": 480, "height": 760}, locale="zh-CN").new_page()
    page.goto(server.url + "/chat/xintianjie/")
    page.fill("#name", "路人")
    page.click("#begin")
    expect(page.locator("#msgs")).to_contain_text("信天捷")  # greeted, and then nothing is said
    # long ago, as far as the sweep can tell; then the minute's sweep runs
    server.sql(
        "UPDATE chat_chatsession SET started_at = '2020-01-01 00:00:00' "
        "WHERE ticket_id IS NULL AND state = 'waiting'"
    )
    sweep = "from kefu.chat.services import chat_silent_sweep; print(chat_silent_sweep())"
    assert server.manage("shell", "-v", "0", "-c", sweep).strip() == "1"
    page.reload()
    expect(page.locator("#msgs")).to_contain_text("由于长时间没有收到您的消息，本次会话已结束")
    expect(page.locator("#silent")).to_be_visible()
    expect(page.locator("#left")).to_be_hidden()  # not “留言已提交”: nothing was left
    expect(page.locator("#inputbar")).to_be_hidden()
    page.click("#silent .again")
    expect(page.locator("#begin")).to_be_visible()  # a new conversation can start
