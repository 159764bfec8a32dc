"""Chat identity: a typed phone never links a visitor to a customer; the brand's signature does, a forged one
is refused; the agent sees an unverified visitor as 未验证 with no history."""

import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from tests.conftest import SUITE_CLOCK

# Who a visitor is, not when: pinned to the suite's moment, so the clock reruns of `make test` skip it.
pytestmark = pytest.mark.clock(SUITE_CLOCK)


def _start(client, brand="oufei", **body):
    return client.post(f"/chat/{brand}/start/", json.dumps(body), content_type="application/json")


def _counts():
    from kefu.chat.models import ChatSession
    from kefu.customers.models import Customer
    from kefu.tickets.models import Ticket

    return ChatSession.objects.count(), Ticket.objects.count(), Customer.objects.count()


@pytest.mark.django_db
def test_a_typed_phone_does_not_link_the_visitor_to_that_customer(client, cast, ticket_types):
    from kefu.chat.models import ChatSession
    from kefu.chat.services import chat_customer_message

    customers_before = _counts()[2]
    answer = _start(client, name="王先生", phone="138 0013 8000")  # 王小明's number, typed by anyone
    assert answer.status_code == 200 and answer.json()["verified"] is False
    session = ChatSession.objects.get(token=answer.json()["token"])
    chat_customer_message(session=session, client_id="c-1", body="在吗")
    session.refresh_from_db()
    assert session.customer is None and session.ticket.customer is None
    assert session.visitor_phone == "13800138000"  # kept as what the visitor said
    assert _counts()[2] == customers_before  # and no customer made of it either


@pytest.mark.django_db
def test_a_valid_signature_links_the_chat_to_the_brands_customer(client, cast, ticket_types, signed):
    from kefu.chat.models import ChatSession
    from kefu.chat.services import chat_customer_message

    answer = _start(client, name="王先生", **signed(cast.customer_a))
    assert answer.status_code == 200 and answer.json()["verified"] is True
    session = ChatSession.objects.get(token=answer.json()["token"])
    chat_customer_message(session=session, client_id="c-1", body="在吗")
    session.refresh_from_db()
    assert session.customer == cast.customer_a and session.ticket.customer == cast.customer_a


@pytest.mark.django_db
def test_a_signed_customer_kefu_has_not_met_is_created_for_the_brand(cast, chat_start, signed):
    session = chat_start(visitor_name="周女士", **signed(cast.customer_a, identifier="13600136000"))
    assert session.customer.phone == "13600136000" and session.customer.brand == cast.brand_a
    assert session.customer.name == "周女士"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda cast, sign: {**sign(cast.customer_a), "identity_hash": "0" * 64}, id="made-up"),
        pytest.param(
            lambda cast, sign: {**sign(cast.customer_a), "identifier": cast.vip_a.phone}, id="other-customer"
        ),
        pytest.param(
            lambda cast, sign: {
                "identifier": cast.customer_a.phone,
                "identity_hash": sign(cast.customer_b, identifier=cast.customer_a.phone)["identity_hash"],
            },
            id="other-brands-secret",
        ),
        pytest.param(lambda cast, sign: {"identifier": cast.customer_a.phone}, id="no-hash"),
        pytest.param(
            lambda cast, sign: {"identity_hash": sign(cast.customer_a)["identity_hash"]}, id="no-id"
        ),
    ],
)
def test_a_forged_identity_is_refused_in_chinese_and_nothing_is_written(
    client, cast, ticket_types, signed, forge
):
    before = _counts()
    answer = _start(client, name="王先生", **forge(cast, signed))
    assert answer.status_code == 403
    body = answer.json()
    assert body["code"] == "identity_invalid" and "身份" in body["message"] and "token" not in body
    assert _counts() == before


@pytest.mark.django_db
def test_a_signature_made_with_a_rotated_secret_no_longer_links(cast, chat_start, signed):
    from kefu.brands.services import brand_rotate_identity_secret
    from kefu.chat.services import IdentityRefused
    from kefu.errors import PermissionDenied

    old = signed(cast.customer_a)
    with pytest.raises(PermissionDenied):
        brand_rotate_identity_secret(brand=cast.brand_a, actor=cast.supervisor)
    brand_rotate_identity_secret(brand=cast.brand_a, actor=cast.admin)
    with pytest.raises(IdentityRefused):
        chat_start(visitor_name="王先生", **old)
    assert chat_start(visitor_name="王先生", **signed(cast.customer_a)).customer == cast.customer_a


@pytest.mark.django_db
def test_every_brand_gets_its_own_secret_which_only_an_admin_sees(client, cast):
    from kefu.accounts.models import User

    assert (
        len(cast.brand_a.identity_secret) == 64
        and cast.brand_a.identity_secret != cast.brand_b.identity_secret
    )
    page = f"/admin/brands/brand/{cast.brand_a.pk}/change/"
    client.force_login(cast.admin)
    assert cast.brand_a.identity_secret in client.get(page).content.decode()
    # a supervisor of the brand opens its page in 后台管理 (kefu.admin_scoped) and does not see the secret
    staff = User.objects.create_user(
        "staff_sup", role=User.Role.SUPERVISOR, agent_no="2009", is_staff=True, team=cast.team_a
    )
    client.force_login(staff)
    shown = client.get(page)
    assert shown.status_code == 200 and cast.brand_a.identity_secret not in shown.content.decode()


@pytest.mark.django_db
def test_the_chat_page_carries_the_signed_identity_to_the_start(client, cast, signed):
    identity = signed(cast.customer_a)
    page = client.get("/chat/oufei/", identity).content.decode()
    assert f'data-identity-hash="{identity["identity_hash"]}"' in page
    assert 'id="phone"' not in page  # a signed-in customer is not asked for a phone


@pytest.fixture
def history(cast, new_ticket):
    """王小明 has an open ticket about a waybill: what an impostor typing his phone would like to see."""
    from kefu.tickets.models import Ticket

    earlier = new_ticket("查询", customer=cast.customer_a)
    Ticket.objects.filter(pk=earlier.pk).update(waybill_number="SF1234567890123")
    return earlier


@pytest.mark.django_db
def test_the_workspace_shows_an_unverified_visitor_with_no_history(client, cast, chat_start, ready, history):
    from kefu.chat.services import offer_claim

    ready(cast.agent_a)
    session = chat_start(visitor_name="王先生", phone="13800138000")
    offer_claim(offer_id=session.offers.get().pk, agent=cast.agent_a)
    client.force_login(cast.agent_a)
    page = client.get(f"/desk/tickets/{session.ticket.number}/").content.decode()
    assert "未验证" in page and "138****8000" in page and "访客自报" in page
    assert "状态：新建 → 已分派" in page and "status：" not in page, "the history reads in Chinese"
    for secret in ("王小明", "SF1234567890123", history.number, "13800138000"):
        assert secret not in page


@pytest.mark.django_db(transaction=True)
def test_the_screen_pop_shows_an_unverified_visitor_with_no_history(client, cast, chat_start, ready, history):
    from kefu.asgi import application

    ready(cast.agent_a)
    client.force_login(cast.agent_a)
    headers = [
        (b"origin", b"http://127.0.0.1:8000"),
        (b"host", b"127.0.0.1:8000"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]

    async def pop():
        ws = WebsocketCommunicator(application, "/ws/desk/", headers=headers)
        assert (await ws.connect())[0]
        await sync_to_async(chat_start)(visitor_name="王先生", phone="13800138000")
        frame = await ws.receive_json_from(timeout=5)
        while frame.get("type") != "pop":
            frame = await ws.receive_json_from(timeout=5)
        await ws.disconnect()
        return frame

    html = async_to_sync(pop)()["html"]
    assert "未验证" in html and "王先生" in html and "138****8000" in html
    for secret in ("王小明", "SF1234567890123", history.number, "老客户", "上次满意度"):
        assert secret not in html


@pytest.mark.django_db
def test_a_verified_customer_pops_with_their_history(cast, history, chat_start, signed):
    from django.template.loader import render_to_string

    from kefu.chat.selectors import customer_card

    session = chat_start(visitor_name="王先生", **signed(cast.customer_a))
    offer = session.offers.get()
    card = customer_card(session.customer, cast.agent_a, before=session.ticket.created_at)
    html = render_to_string("chat/_pop.html", {"offer": offer, "card": card})
    assert "王小明" in html and "SF1234567890123" in html and "老客户" in html and "未验证" not in html
