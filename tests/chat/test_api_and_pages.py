"""The chat API, the login page, the desk and the customer page as a user meets them."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


@pytest.mark.django_db
def test_the_login_page_is_in_chinese_and_leads_to_the_desk(client, cast):
    page = client.get("/login/")
    assert "坐席登录" in page.content.decode()
    response = client.post("/login/", {"username": "agent_a", "password": "pw-123456"})
    assert response.status_code == 302 and response["Location"] == "/desk/"
    assert "坐席工作台" in client.get("/desk/").content.decode()


@pytest.mark.django_db
def test_the_desk_needs_a_login(client):
    response = client.get("/desk/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_api_status_and_claim(api_a, cast, chat_start):
    assert api_a.post("/chat/status", {"status": "ready"}).json()["code"] == "not_signed_in"
    api_a.post("/chat/status", {"status": "sign_in"})
    assert api_a.post("/chat/status", {"status": "ready"}).json()["label"] == "就绪"
    chat_start(visitor_name="王先生")
    offers = api_a.get("/chat/offers").json()
    assert len(offers) == 1 and offers[0]["chat"]
    claimed = api_a.post(f"/chat/offers/{offers[0]['id']}/claim").json()
    assert claimed["claimed_by"] == "王芳(2001)"
    assert api_a.get("/chat/status").json()["label"] == "通话中"


@pytest.mark.django_db
def test_a_refused_break_answers_409_with_the_name(api_a, client, cast):
    from kefu.chat.presence import agent_set_status, agent_sign_in

    agent_sign_in(agent=cast.supervisor)
    agent_set_status(agent=cast.supervisor, status="break")
    api_a.post("/chat/status", {"status": "sign_in"})
    response = api_a.post("/chat/status", {"status": "break"})
    assert response.status_code == 409 and "赵主管(2000)" in response.json()["message"]


@pytest.mark.django_db
def test_check_reports_category_and_rewrite(api_a):
    found = api_a.post("/chat/check", {"text": "我不知道"}).json()
    assert found["violations"][0]["category"] == "推卸" and found["violations"][0]["rewrite"]


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 120, 40)).save(out, format="PNG")
    return out.getvalue()


def _start(client) -> str:
    return client.post(
        "/chat/oufei/start/", json.dumps({"name": "王先生"}), content_type="application/json"
    ).json()["token"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "body", "declared"),
    [
        ("evil.html", b"<html><script>alert(document.cookie)</script></html>", "image/png"),
        ("evil.png", b"\x89PNG\r\n\x1a\n<script>alert(1)</script>", "image/png"),
        ("cat.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>', "image/svg+xml"),
        ("cat.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>', "image/png"),
    ],
)
def test_an_upload_that_is_not_a_real_photo_is_refused_whatever_it_claims(
    client, cast, ticket_types, name, body, declared
):
    from kefu.chat.models import ChatMessage

    token = _start(client)
    refused = client.post(
        f"/chat/s/{token}/upload/",
        {"file": SimpleUploadedFile(name, body, content_type=declared), "client_id": "x-1"},
    )
    assert refused.status_code == 400 and "图片" in refused.json()["message"]
    assert not ChatMessage.objects.filter(sender="customer").exists()


@pytest.mark.django_db
def test_a_photo_is_served_as_a_download_of_its_checked_type(client, cast, ticket_types):
    from kefu.chat.models import ChatMessage

    token = _start(client)
    # A real PNG whose name and declared type lie: it is stored and served as the PNG it is.
    photo = SimpleUploadedFile("page.html", _png(), content_type="text/html")
    assert client.post(f"/chat/s/{token}/upload/", {"file": photo, "client_id": "p-1"}).status_code == 200
    message = ChatMessage.objects.get(sender="customer")
    assert message.attachment.name.endswith(".png")
    served = client.get(f"/chat/attachments/{message.pk}/?t={token}")
    assert served["Content-Type"] == "image/png" and served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("attachment;")
    assert b"".join(served.streaming_content) == _png()


@pytest.mark.django_db
def test_customer_starts_a_chat_uploads_a_photo_and_too_big_is_refused(client, cast, ticket_types):
    from kefu.chat import rules
    from kefu.chat.models import ChatSession

    assert "欧飞 在线客服" in client.get("/chat/oufei/").content.decode()
    token = client.post(
        "/chat/oufei/start/", json.dumps({"name": "王先生"}), content_type="application/json"
    ).json()["token"]
    photo = SimpleUploadedFile("box.png", _png(), content_type="image/png")
    ok = client.post(f"/chat/s/{token}/upload/", {"file": photo, "client_id": "img-1"})
    assert ok.status_code == 200 and ok.json()["message"]["image"]
    limit = rules.setting("upload_max_bytes")
    big = SimpleUploadedFile("big.png", b"0" * (limit + 1), content_type="image/png")
    refused = client.post(f"/chat/s/{token}/upload/", {"file": big, "client_id": "img-2"})
    assert refused.status_code == 400 and "MB" in refused.json()["message"]
    session = ChatSession.objects.get(token=token)
    assert session.messages.filter(sender="customer").count() == 1
    assert (
        client.get(f"/chat/attachments/{session.messages.get(sender='customer').pk}/?t={token}").status_code
        == 200
    )
    assert client.get(f"/chat/attachments/{session.messages.get(sender='customer').pk}/").status_code == 404
