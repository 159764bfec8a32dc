"""Bad input gets a clear Chinese answer and writes nothing: every row of the table in docs/RELIABILITY.md (API,
错误输入与回答) is sent as written here and its status and message compared with the document; a row without a
sender here, or a sender without a row, fails. Run on SQLite and on PostgreSQL (where a NUL used to be a 500)."""

import json
import re
from pathlib import Path

import pytest

from kefu.customers.models import Customer
from kefu.tickets.models import IdempotencyKey, Ticket, TicketEvent

RELIABILITY = Path(__file__).resolve().parent.parent / "docs" / "RELIABILITY.md"
NEW = {
    "brand": "oufei",
    "type": "查询",
    "channel": "phone",
    "subject": "充值未到账",
    "customer": {"name": "周杰", "phone": "138-0000-1111", "gender": "male"},
}
BIG = 3 * 1024 * 1024


def rows() -> list[tuple[str, int, str]]:
    """(input, status, message) rows of the API section's 错误输入与回答 table."""
    text = RELIABILITY.read_text(encoding="utf-8")
    section = text.split("\n## API\n", 1)[1].split("\n## ", 1)[0]
    part = section.split("\n### 错误输入与回答\n", 1)[1].split("\n### ", 1)[0]
    found = re.findall(r"^\| (.+?) \| (\d{3}) \| `([^`]+)` \|$", part, re.M)
    assert found, "no rows in docs/RELIABILITY.md (API, 错误输入与回答)"
    return [(given, int(status), message) for given, status, message in found]


class Sender:
    def __init__(self, client, cast, ticket):
        self.client, self.cast, self.ticket = client, cast, ticket
        self.auth = {"Authorization": f"Bearer {cast.token_sup}"}

    def get(self, path):
        return self.client.get(path, headers=self.auth)

    def raw(self, method, path, body: str | bytes, headers=None):
        return self.client.generic(
            method, path, body, content_type="application/json", headers={**self.auth, **(headers or {})}
        )

    def json(self, method, path, body, headers=None):
        return self.raw(method, path, json.dumps(body), headers)


def senders(s: Sender) -> dict:
    """The table's inputs, in the words the table uses, and how each is sent."""
    customer = f"/api/customers/{s.cast.customer_a.pk}"
    ticket = f"/api/tickets/{s.ticket.number}"
    return {
        "`GET /api/tickets?limit=-1`": lambda: s.get("/api/tickets?limit=-1"),
        "`GET /api/tickets?offset=-1`": lambda: s.get("/api/tickets?offset=-1"),
        "`GET /api/tickets?limit=abc`": lambda: s.get("/api/tickets?limit=abc"),
        "`GET /api/tickets/breaches?limit=-1`": lambda: s.get("/api/tickets/breaches?limit=-1"),
        "`GET /api/customers?limit=-1`": lambda: s.get("/api/customers?limit=-1"),
        "`GET /api/customers/99999999999999999999`": lambda: s.get("/api/customers/99999999999999999999"),
        "`POST /api/tickets`，请求体 `42`": lambda: s.raw("POST", "/api/tickets", "42"),
        "`POST /api/tickets`，请求体 `[1, 2]`": lambda: s.raw("POST", "/api/tickets", "[1, 2]"),
        '`POST /api/tickets`，请求体 `{"brand": `': lambda: s.raw("POST", "/api/tickets", '{"brand": '),
        "`POST /api/tickets`，请求体是 GBK 编码": lambda: s.raw(
            "POST", "/api/tickets", json.dumps(NEW, ensure_ascii=False).encode("gbk")
        ),
        "`POST /api/tickets`，请求体 3 MB": lambda: s.json("POST", "/api/tickets", {**NEW, "x": "a" * BIG}),
        "`POST /api/tickets`，主题含 NUL（`\\u0000`）": lambda: s.json(
            "POST", "/api/tickets", {**NEW, "subject": "充值\x00未到账"}
        ),
        "`POST /api/tickets`，客户姓名含 `\\u001b`": lambda: s.json(
            "POST", "/api/tickets", {**NEW, "customer": {**NEW["customer"], "name": "周\x1b杰"}}
        ),
        "`POST /api/tickets`，主题含孤立的代理字符 `\\ud800`": lambda: s.raw(
            "POST", "/api/tickets", json.dumps({**NEW, "subject": "\ud800"})
        ),
        "`POST /api/tickets`，请求头 `Idempotency-Key` 含 NUL": lambda: s.json(
            "POST", "/api/tickets", NEW, headers={"Idempotency-Key": "call\x00-1"}
        ),
        "`POST /api/tickets`，`Idempotency-Key` 长 101 个字符": lambda: s.json(
            "POST", "/api/tickets", NEW, headers={"Idempotency-Key": "k" * 101}
        ),
        "`GET /api/tickets?q=%00`": lambda: s.get("/api/tickets?q=%00"),
        "`GET /api/tickets/KF%00`": lambda: s.get("/api/tickets/KF%00"),
        "`POST /api/tickets/{工单号}/replies`，回复含 NUL": lambda: s.json(
            "POST", f"{ticket}/replies", {"body": "您好\x00"}
        ),
        "`POST /api/chat/check`，文字含 `\\u0007`": lambda: s.json(
            "POST", "/api/chat/check", {"text": "您好\x07"}
        ),
        '`POST /api/tickets`，`"channel": "fax"`': lambda: s.json(
            "POST", "/api/tickets", {**NEW, "channel": "fax"}
        ),
        "`POST /api/tickets`，没有 `subject`": lambda: s.json(
            "POST", "/api/tickets", {k: v for k, v in NEW.items() if k != "subject"}
        ),
        '`POST /api/tickets`，`"subject": null`': lambda: s.json(
            "POST", "/api/tickets", {**NEW, "subject": None}
        ),
        '`POST /api/tickets`，`"subject": ""`': lambda: s.json(
            "POST", "/api/tickets", {**NEW, "subject": ""}
        ),
        '`POST /api/tickets`，`"subject"` 201 个字': lambda: s.json(
            "POST", "/api/tickets", {**NEW, "subject": "字" * 201}
        ),
        '`POST /api/tickets`，`"customer_id": 1.5`': lambda: s.json(
            "POST", "/api/tickets", {**NEW, "customer_id": 1.5}
        ),
        '`POST /api/tickets`，`"customer": "周杰"`': lambda: s.json(
            "POST", "/api/tickets", {**NEW, "customer": "周杰"}
        ),
        '`POST /api/tickets/{工单号}/hand-off`，`"promised_at": "明天"`': lambda: s.json(
            "POST",
            f"{ticket}/hand-off",
            {"department": "财务部", "promise": "明天回电", "promised_at": "明天"},
        ),
        '`POST /api/express/queries`，`"date": "2026-13-01"`': lambda: s.json(
            "POST",
            "/api/express/queries",
            {"brand": "xintianjie", "sender_phone": "13800138000", "date": "2026-13-01"},
        ),
        '`PATCH /api/customers/{id}`，`{"vip_level": null}`': lambda: s.json(
            "PATCH", customer, {"vip_level": None}
        ),
        '`PATCH /api/customers/{id}`，`{"name": null}`': lambda: s.json("PATCH", customer, {"name": None}),
        '`PATCH /api/customers/{id}`，`{"vip_level": 9}`': lambda: s.json(
            "PATCH", customer, {"vip_level": 9}
        ),
        '`PATCH /api/customers/{id}`，`{"contract_discount": "abc"}`': lambda: s.json(
            "PATCH", customer, {"contract_discount": "abc"}
        ),
    }


def message_of(res) -> str:
    if res["Content-Type"].startswith("application/json"):
        return res.json()["message"]
    return res.content.decode()


@pytest.fixture
def sender(client, cast, new_ticket):
    return Sender(client, cast, new_ticket("投诉"))


def counts():
    return (
        Ticket.objects.count(),
        TicketEvent.objects.count(),
        Customer.objects.count(),
        IdempotencyKey.objects.count(),
    )


def test_every_row_of_the_table_is_answered_as_written(sender):
    table = rows()
    send = senders(sender)
    assert {given for given, _, _ in table} == set(send), "the table and the senders list the same inputs"
    before = counts()
    answers = {given: send[given]() for given, _, _ in table}
    assert [(given, res.status_code, message_of(res)) for given, res in answers.items()] == table
    for given, res in answers.items():
        assert res["Content-Type"].startswith("application/json"), given
        assert set(res.json()) >= {"code", "message", "field"}, given
    assert counts() == before, "a refused request writes nothing"


def test_a_page_refuses_control_characters_in_a_search_and_a_form_post(client, cast, new_ticket):
    ticket = new_ticket("投诉")
    client.force_login(cast.agent_a)
    before = counts()
    search = client.get("/tickets/?q=%00")
    assert search.status_code == 400 and "“q”含有不可见的控制字符" in search.content.decode()
    posted = client.post(f"/tickets/{ticket.number}/action/", {"action": "note", "body": "备注\x00"})
    assert posted.status_code == 400 and "“body”含有不可见的控制字符" in posted.content.decode()
    assert "<html" in posted.content.decode().lower()
    assert counts() == before


def test_a_page_form_over_the_size_limit_is_answered_in_chinese(client, cast):
    res = client.post("/login/", {"username": "a", "password": "b" * BIG})
    assert res.status_code == 413 and "请求内容过大（最多 2.5 MB）" in res.content.decode()


def test_a_form_post_to_the_api_is_answered_in_json(client, cast):
    res = client.post(
        "/api/tickets", {"subject": "a\x00"}, headers={"Authorization": f"Bearer {cast.token_sup}"}
    )
    assert res.status_code == 400 and res.json()["code"] == "control_character"


def test_tab_newline_and_carriage_return_are_text(api_sup):
    res = api_sup.post("/tickets", {**NEW, "description": "第一行\r\n第二行\t完"})
    assert res.status_code == 201, res.content
    assert res.json()["description"] == "第一行\r\n第二行\t完"


ENGLISH = re.compile(
    r"Input should|Field required|value is not|Cannot parse|Value error|Unprocessable|Not Found"
)
HAN = re.compile(r"[\u4e00-\u9fff]")
WRONG = {"string": 12345, "integer": "abc", "number": "abc", "boolean": "abc", "object": 5, "array": 5}


def wrong_bodies(document: dict):
    """(method, path, body) with one property of a request body set to a value of the wrong type, for every
    property of every operation's JSON body in the OpenAPI document."""
    components = document["components"]["schemas"]

    def resolve(node):
        while "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[1]]
        return node

    def kind(node):
        node = resolve(node)
        if "type" in node:
            return node["type"]
        for option in node.get("anyOf", []):
            option = resolve(option)
            if option.get("type") not in (None, "null"):
                return option["type"]
        return None

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if not content:
                continue
            for name, prop in resolve(content["schema"]).get("properties", {}).items():
                if kind(prop) in WRONG:
                    yield method.upper(), path, {name: WRONG[kind(prop)]}


def test_every_field_of_every_body_answers_a_wrong_type_in_chinese(sender):
    from kefu.api import api

    document = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/")))
    tried = 0
    before = counts()
    for method, path, body in wrong_bodies(document):
        url = re.sub(r"\{number\}", sender.ticket.number, path)
        url = re.sub(r"\{[a-z_]+\}", str(sender.cast.customer_a.pk), url)
        res = sender.json(method, url, body)
        message = res.json()["message"]
        assert 400 <= res.status_code < 500, (method, path, body, res.content)
        assert HAN.search(message) and not ENGLISH.search(message), (method, path, body, message)
        tried += 1
    assert tried > 50
    assert counts() == before
