"""Scripted chats through the real services, at stated moments of the suite's clock, and their sheets."""

from datetime import timedelta

import pytest

from kefu import timeutil
from tests.browser.conftest import browser  # noqa: F401  (Chromium for test_browser.py)


@pytest.fixture
def scripted_chat(cast, ticket_types):
    """Play a chat on 信天捷快递 (it prescribes the 工号 in the opening) with agent_b, at stated offsets
    from the test's clock: [("c" | "a" | "claim" | "end", seconds, text)]. Returns the ended session."""
    from kefu.chat.models import Offer
    from kefu.chat.presence import agent_set_status, agent_sign_in
    from kefu.chat.services import (
        chat_agent_reply,
        chat_customer_message,
        chat_end,
        chat_start,
        offer_claim,
    )

    def play(script, *, agent=None, brand=None):
        agent = agent or cast.agent_b
        t0 = timeutil.local_now()
        agent_sign_in(agent=agent, at=t0)
        agent_set_status(agent=agent, status="ready", at=t0)
        session = chat_start(brand=brand or cast.brand_b, visitor_name="张先生", phone="13700137000", at=t0)
        for n, (who, seconds, text) in enumerate(script):
            at = t0 + timedelta(seconds=seconds)
            if who == "c":
                chat_customer_message(session=session, client_id=f"c-{n}", body=text, at=at)
            elif who == "claim":
                offer_claim(offer_id=Offer.objects.get(session=session).pk, agent=agent, at=at)
            elif who == "a":
                chat_agent_reply(session=session, agent=agent, body=text, client_id=f"a-{n}", at=at)
            elif who == "end":
                chat_end(session=session, actor=agent, at=at)
        session.refresh_from_db()
        return session

    return play


# A chat that followed the scripts: kefu greets, the agent joins (工号), reads the waybill back, answers
# with a time, asks whether there is anything else; kefu sends the closing.
GOOD = [
    ("c", 20, "我的快递到哪了，单号 XTJ202611240001"),
    ("claim", 40, ""),
    ("a", 60, "跟您核对一下，您的运单号是 XTJ2026 1124 0001，对吗？"),
    ("c", 70, "对"),
    ("a", 100, "快件已经到达福州分拨中心，预计明天上午送达，请您留意电话。"),
    ("c", 120, "好的谢谢"),
    ("a", 130, "不客气，请问还有什么可以帮您？"),
    ("c", 150, "没有了"),
    ("end", 170, ""),
]

# The chat: the visitor waits 12 minutes, is greeted with 你好，请问有什么事？ and the agent ends
# the chat without resolving anything or promising anything.
BAD = [
    ("c", 30, "在吗？我的快递三天没更新了"),
    ("claim", 660, ""),
    ("a", 750, "你好，请问有什么事？"),
    ("c", 780, "我说了，快递三天没更新"),
    ("a", 820, "这个我这边也看不到更多信息。"),
    ("end", 840, ""),
]


@pytest.fixture
def bad_sheet(scripted_chat):
    return scripted_chat(BAD).score_sheet


@pytest.fixture
def good_sheet(scripted_chat):
    return scripted_chat(GOOD).score_sheet
