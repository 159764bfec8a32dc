"""An agent's conversation tabs: unread counts, who waits since when, the most urgent clock; and the workspace's
actions answered in place for htmx (the result, then the status, history and clocks drawn again)."""

from datetime import timedelta

import pytest

HTMX = {"HX-Request": "true"}


@pytest.fixture
def two_chats(cast, chat_start, ready):
    """Two chats agent_a has taken, the first one read up to what was said when it was taken."""
    from kefu.chat.models import Offer
    from kefu.chat.services import chat_mark_read, offer_claim

    ready(cast.agent_a)
    sessions = []
    for name, said in (("钱先生", "我的快件三天没动了"), ("孙女士", "能上门取件吗？")):
        session = chat_start(first=said, visitor_name=name)
        offer_claim(offer_id=Offer.objects.get(session=session).pk, agent=cast.agent_a)
        session.refresh_from_db()
        sessions.append(session)
    first = sessions[0]
    chat_mark_read(session=first, reader="agent", seq=first.messages.order_by("-seq").first().seq)
    return sessions


@pytest.mark.django_db
def test_the_tabs_count_unread_messages_and_waits_and_show_the_most_urgent_clock(cast, two_chats):
    from kefu.chat.selectors import my_conversations
    from kefu.chat.services import chat_agent_reply, chat_customer_message

    first, second = two_chats
    chat_customer_message(session=first, client_id="c-2", body="麻烦快一点")
    chat_customer_message(session=first, client_id="c-3", body="在吗")
    chat_agent_reply(agent=cast.agent_a, session=second, client_id="a-1", body="您好，可以上门取件。")

    mine = my_conversations(cast.agent_a)
    assert mine["capacity"] == cast.team_a.chat_capacity
    tabs = {t["visitor"]: t for t in mine["conversations"]}
    assert list(tabs) == ["钱先生", "孙女士"]  # in the order they were taken
    qian, sun = tabs["钱先生"], tabs["孙女士"]
    assert (qian["unread"], qian["last_said"]) == (2, "在吗")
    # waiting since the first message after the agent's last reply (the agent has not answered him yet)
    asked = first.messages.filter(sender="customer").order_by("seq").first()
    assert qian["waiting_since"] == asked.created_at
    assert sun["waiting_since"] is None  # answered
    clock = first.ticket.clocks.filter(met_at__isnull=True).order_by("due_at").first()
    assert (qian["clock"], qian["due_at"], qian["late"]) == (clock.name, clock.due_at, False)
    assert my_conversations(cast.agent_a, now=clock.due_at + timedelta(seconds=1))["conversations"][0]["late"]
    # the conversation on the agent's screen is being read: it counts nothing unread
    on_screen = my_conversations(cast.agent_a, current=first.pk)["conversations"][0]
    assert (on_screen["current"], on_screen["unread"]) == (True, 0)
    assert my_conversations(cast.agent_b)["conversations"] == []


@pytest.mark.django_db(transaction=True)
def test_a_customer_message_and_a_claim_tell_the_agents_pages_to_read_their_tabs_again(
    cast, chat_start, ready, monkeypatch
):
    from kefu.chat import push
    from kefu.chat.models import Offer
    from kefu.chat.services import chat_customer_message, chat_take_over, offer_claim

    sent = []
    monkeypatch.setattr(push, "_group_send", lambda group, message: sent.append((group, message)))
    ready(cast.agent_a)
    session = chat_start(first="我的快件三天没动了", visitor_name="钱先生")
    offer_claim(offer_id=Offer.objects.get(session=session).pk, agent=cast.agent_a)
    chat_customer_message(session=session, client_id="c-2", body="在吗")
    chat_take_over(session=session, supervisor=cast.supervisor)

    def mine(agent):
        return [m["payload"] for g, m in sent if g == push.agent_group(agent.pk) and m["type"] == "desk.mine"]

    assert {"type": "mine", "session": session.pk, "sender": ""} in mine(
        cast.agent_a
    )  # taken, then taken over
    assert {"type": "mine", "session": session.pk, "sender": "customer"} in mine(cast.agent_a)
    assert {"type": "mine", "session": session.pk, "sender": ""} in mine(cast.supervisor)


@pytest.mark.django_db
def test_a_workspace_action_answers_htmx_with_the_result_and_the_panels_drawn_again(client, cast, two_chats):
    first = two_chats[0]
    client.force_login(cast.agent_a)
    url = f"/desk/tickets/{first.ticket.number}/action/"

    done = client.post(url, {"action": "note", "body": "客户要求加急"}, headers=HTMX)
    html = done.content.decode()
    assert done.status_code == 200 and done["HX-Trigger"] == "ws-saved"  # the form empties itself
    assert "备注已添加" in html and "客户要求加急" in html
    for panel in ("ws-tags", "ws-transition", "ws-history", "ws-clocks"):
        assert f'id="{panel}" hx-swap-oob="true"' in html
    assert first.ticket.events.filter(kind="note", body="客户要求加急").exists()

    # a refusal says why beside the forms and changes nothing else (the form keeps what was typed)
    refused = client.post(url, {"action": "transition", "to": "closed"}, headers=HTMX)
    assert refused.status_code == 200 and "HX-Trigger" not in refused
    assert 'role="alert"' in refused.content.decode() and "hx-swap-oob" not in refused.content.decode()
    # without htmx the page comes back with the message
    page = client.post(url, {"action": "note", "body": "再记一条"}, follow=True)
    assert "备注已添加" in page.content.decode()

    panels = client.get(f"/desk/tickets/{first.ticket.number}/panels/").content.decode()
    assert "再记一条" in panels and 'id="ws-clocks" hx-swap-oob="true"' in panels


@pytest.mark.django_db
def test_the_status_picker_picks_nothing_for_the_agent_and_lists_statuses_in_workflow_order(
    client, cast, two_chats
):
    client.force_login(cast.agent_a)
    ticket = two_chats[0].ticket
    ticket.refresh_from_db()
    html = client.get(f"/desk/tickets/{ticket.number}/").content.decode()
    picker = html[html.index('id="ws-transition"') :]
    picker = picker[: picker.index("</select>")]
    assert '<option value="" selected disabled>选择新状态…</option>' in picker
    from kefu.tickets.rules import next_statuses

    assert next_statuses("in_progress") == [
        ("waiting_customer", "等待客户"),
        ("waiting_department", "等待部门"),
        ("resolved", "已解决"),
    ]
