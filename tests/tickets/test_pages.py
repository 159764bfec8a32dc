"""The ticket pages a supervisor opens: list, detail with replayable history, and breaches."""

from kefu.tickets import services
from tests.conftest import at


def test_pages_need_a_login(client, cast):
    assert client.get("/tickets/").status_code == 302


def test_ticket_list_detail_and_breaches(client, cast, new_ticket):
    ticket = new_ticket("查询", when=at("2026-11-20 10:00"))
    services.ticket_reply(
        ticket=ticket,
        actor=cast.agent_a,
        body="您好，您的快件已签收。",
        answer=True,
        at=at("2026-11-20 10:50"),
    )
    services.sla_sweep(now=at("2026-11-20 11:00"))
    client.force_login(cast.agent_a)
    page = client.get("/tickets/").content.decode()
    assert ticket.number in page and "查询测试" in page
    detail = client.get(f"/tickets/{ticket.number}/").content.decode()
    for text in ("查询答复", "逾期达成", "您好，您的快件已签收。", "回放", "138****8000"):
        assert text in detail, text
    breaches = client.get("/tickets/breaches/").content.decode()
    assert ticket.number in breaches


def test_actions_on_the_page_go_through_services(client, cast, new_ticket):
    ticket = new_ticket("查询")
    client.force_login(cast.agent_a)
    client.post(f"/tickets/{ticket.number}/action/", {"action": "transition", "to": "in_progress"})
    res = client.post(
        f"/tickets/{ticket.number}/action/", {"action": "transition", "to": "closed"}, follow=True
    )
    assert "不能从" in res.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"


def test_another_brands_ticket_shows_a_chinese_refusal(client, cast, new_ticket):
    ticket = new_ticket("查询")
    client.force_login(cast.agent_b)
    res = client.get(f"/tickets/{ticket.number}/")
    assert res.status_code == 403 and "不属于您服务的品牌" in res.content.decode()
