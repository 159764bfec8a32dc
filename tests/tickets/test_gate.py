"""The standards gate is in the reply service: the API, the ticket page, the workspace's forms and the chat all
refuse a severe 服务忌语 without a reason, and the API's refusal lists the violations."""

import pytest

from kefu.tickets.models import TicketEvent

SEVERE = "你问我，我问谁？有本事就投诉我，我就这态度！"


def replies(ticket):
    return ticket.events.filter(kind=TicketEvent.Kind.REPLY)


@pytest.fixture
def ticket(new_ticket):
    return new_ticket("咨询")


def test_the_api_refuses_a_severe_reply_with_its_violations(api_a, ticket):
    res = api_a.post(f"/tickets/{ticket.number}/replies", {"body": SEVERE})
    assert res.status_code == 409
    answer = res.json()
    assert answer["code"] == "severe_violation" and "“有本事就投诉”（斗气）" in answer["message"]
    assert [(v["rule_id"], v["category"], v["severity"]) for v in answer["violations"]] == [
        ("ask_me_who", "推卸", "severe"),
        ("dare_to_complain", "斗气", "severe"),
        ("this_attitude", "斗气", "severe"),
    ]
    first = answer["violations"][0]
    assert SEVERE[first["start"] : first["end"]] == first["text"] and "rewrite" in first
    assert not replies(ticket).exists()


def test_a_reason_sends_it_and_the_history_keeps_the_reason(api_a, ticket):
    res = api_a.post(
        f"/tickets/{ticket.number}/replies", {"body": SEVERE, "override_reason": "客户要求逐字复述原话"}
    )
    assert res.status_code == 201
    assert res.json()["data"]["override_reason"] == "客户要求逐字复述原话"
    note = ticket.events.get(kind=TicketEvent.Kind.NOTE)
    assert "越过严重忌语提示发送" in note.body and "客户要求逐字复述原话" in note.body


def test_a_minor_violation_is_sent_and_recorded_as_a_warning(api_a, ticket):
    res = api_a.post(f"/tickets/{ticket.number}/replies", {"body": "你好，请稍等，我帮你查一下"})
    assert res.status_code == 201
    assert res.json()["data"]["violations"] and not replies(ticket).get().data.get("override_reason")


def test_the_ticket_page_refuses_it_and_keeps_the_draft(client, cast, ticket):
    client.force_login(cast.agent_a)
    page = client.post(
        f"/tickets/{ticket.number}/action/", {"action": "reply", "body": SEVERE}, follow=True
    ).content.decode()
    assert "严重服务忌语" in page and "已保存" not in page
    assert SEVERE in page  # the typed reply is back in the form, not lost
    assert not replies(ticket).exists()


def test_the_workspace_form_refuses_it_too(client, cast, ticket):
    client.force_login(cast.agent_a)
    page = client.post(
        f"/desk/tickets/{ticket.number}/action/", {"action": "reply", "body": SEVERE}, follow=True
    ).content.decode()
    assert "严重服务忌语" in page
    assert not replies(ticket).exists()


def test_kefu_cannot_force_its_own_text_through(ticket):
    from kefu.tickets.gate import Refused
    from kefu.tickets.services import ticket_reply

    with pytest.raises(Refused) as refused:
        ticket_reply(ticket=ticket, actor=None, body=SEVERE, override_reason="系统")
    assert refused.value.message.startswith("系统文本含严重服务忌语")
    assert not replies(ticket).exists()
