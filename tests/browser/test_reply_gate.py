"""The standards gate on the ticket page, in a real browser: a severe reply is stopped with what was found,
one click puts kefu's rewrite in the box, and the rewrite is sent; the API refuses the same text with a 409
listing the violations."""

import pytest
from playwright.sync_api import expect

from kefu.standards.compliance import check
from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser

SEVERE = "你问我，我问谁？有本事就投诉我，我就这态度！"


def _replies(server, number):
    return server.sql(
        "select e.body from tickets_ticketevent e join tickets_ticket t on t.id = e.ticket_id "
        "where t.number = ? and e.kind = 'reply' order by e.id",
        number,
    )


def test_a_severe_reply_is_stopped_and_its_rewrite_sent(server, browser):
    page = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN").new_page()
    login(page, server.url, "agent1001")
    (number,) = server.sql(
        "select t.number from tickets_ticket t join accounts_team_brands tb on tb.brand_id = t.brand_id "
        "join accounts_user u on u.team_id = tb.team_id "
        "where u.username = 'agent1001' and t.status not in ('resolved', 'closed') order by t.id limit 1"
    )[0]
    before = _replies(server, number)
    page.goto(f"{server.url}/tickets/{number}/")

    page.fill(".reply-form textarea[name=body]", SEVERE)
    page.click(".reply-form button:has-text('回复')")
    refusal = page.locator(".refusal")
    expect(refusal).to_contain_text("回复未发送")
    expect(refusal.locator(".violations li")).to_have_count(3)
    expect(refusal).to_contain_text("斗气")
    expect(page.locator(".reply-form textarea[name=body]")).to_have_value(SEVERE)  # the draft is kept
    assert _replies(server, number) == before
    shot(page, "ticket-reply-refused.png")

    page.click("text=采用改写")
    rewritten = page.locator(".reply-form textarea[name=body]").input_value()
    assert rewritten != SEVERE and check(rewritten, "phone") == []
    assert "投诉我" not in rewritten and "态度" not in rewritten
    page.click(".reply-form button:has-text('回复')")
    expect(page.locator(".flash")).to_contain_text("已保存")
    assert _replies(server, number)[-1] == (rewritten,)

    # The same text through the API: 409 with the violations (span, category, message, rewrite).
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    answer = page.request.post(
        f"{server.url}/api/tickets/{number}/replies",
        data={"body": SEVERE},
        headers={"X-CSRFToken": csrf, "Referer": server.url + "/"},
    )
    assert answer.status == 409
    body = answer.json()
    assert body["code"] == "severe_violation"
    assert {v["category"] for v in body["violations"]} >= {"推卸", "斗气"}
    first = body["violations"][0]
    assert SEVERE[first["start"] : first["end"]] == first["text"] and first["message"] and first["fix_text"]
    assert check(body["rewritten"], "phone") == []
    assert _replies(server, number)[-1] == (rewritten,)
