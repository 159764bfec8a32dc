"""新建工单: a phone agent records an inbound call (000 二 (一)) — brand, type, channel, the customer found or created
by the phone as typed, subject and notes — with the brand's opening scripts and the standards check beside it."""

from kefu.customers.models import Customer
from kefu.tickets.models import Ticket, TicketEvent


def test_a_call_from_a_known_number_is_recorded_on_its_customer(client, cast, ticket_types):
    client.force_login(cast.agent_a)
    page = client.get("/tickets/new/").content.decode()
    for text in ("新建工单", "客户电话", "来电记录", "来访", "话术", "话术自查", "2001"):
        assert text in page, text
    assert "欧飞" in page, "the opening script speaks for the agent's brand"
    aside = client.get(
        "/tickets/new/",
        {"brand": "oufei", "channel": "phone", "phone": "138 0013 8000"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "王小明" in aside and "王先生" in aside, "the caller is found by the phone as typed"
    assert "<form" not in aside, "htmx gets the aside only"
    answer = client.post(
        "/tickets/new/",
        {
            "brand": "oufei",
            "channel": "phone",
            "type": "query",
            "phone": "+86 138-0013-8000",
            "waybill_number": "xtj 1234 5678 9012",
            "subject": "查询快件到哪了",
            "description": "客户说三天没有更新。",
        },
    )
    ticket = Ticket.objects.get(subject="查询快件到哪了")
    assert answer.status_code == 302 and answer.url == f"/tickets/{ticket.number}/"
    assert ticket.customer == cast.customer_a and ticket.channel == "phone" and ticket.type.code == "query"
    assert ticket.waybill_number == "XTJ123456789012", "the waybill number as stored, whatever was pasted"
    assert ticket.created_by == cast.agent_a and ticket.description == "客户说三天没有更新。"
    assert TicketEvent.objects.filter(ticket=ticket, kind="created").exists()
    assert ticket.clocks.filter(name="查询答复").exists(), "the type's clocks start"


def test_a_new_number_needs_a_name_and_nothing_is_created_until_it_has_one(client, cast, ticket_types):
    client.force_login(cast.agent_a)
    form = {
        "brand": "oufei",
        "channel": "walk_in",
        "type": "consult",
        "phone": "１５７２５１１７５２５",
        "subject": "来访咨询",
    }
    page = client.post("/tickets/new/", form).content.decode()
    assert "请填写客户姓名" in page and "来访咨询" in page, "the error beside the field, the typed text kept"
    assert not Ticket.objects.filter(subject="来访咨询").exists()
    assert not Customer.objects.filter(phone="15725117525").exists()
    answer = client.post("/tickets/new/", {**form, "name": "陈志强"})
    assert answer.status_code == 302
    ticket = Ticket.objects.get(subject="来访咨询")
    assert ticket.channel == "walk_in" and ticket.customer.name == "陈志强"
    assert ticket.customer.phone == "15725117525", "full-width digits stored as digits"


def test_a_missing_subject_or_another_brand_is_refused_in_chinese(client, cast, ticket_types):
    client.force_login(cast.agent_a)
    page = client.post(
        "/tickets/new/", {"brand": "oufei", "channel": "phone", "type": "consult"}
    ).content.decode()
    assert "请填写工单主题" in page
    assert client.get("/tickets/new/", {"brand": cast.brand_b.code}).status_code == 403
    other = {"brand": cast.brand_b.code, "channel": "phone", "type": "query", "subject": "越权建单"}
    assert client.post("/tickets/new/", other).status_code == 403
    assert not Ticket.objects.filter(subject="越权建单").exists()


def test_the_check_beside_the_form_speaks_for_the_chosen_brand_and_channel(client, cast):
    client.force_login(cast.agent_a)
    said = client.post(
        "/desk/check/",
        {"text": "有本事就投诉我", "brand": "oufei", "channel": "phone"},
        content_type="application/json",
    ).json()
    assert said["violations"] and said["violations"][0]["severity"] == "severe"
    wrong = client.post(
        "/desk/check/", {"text": "您好", "brand": "oufei", "channel": "fax"}, content_type="application/json"
    )
    assert wrong.status_code == 400 and "渠道" in wrong.json()["message"]
    foreign = client.post(
        "/desk/check/", {"text": "您好", "brand": cast.brand_b.code}, content_type="application/json"
    )
    assert foreign.status_code == 403
