"""/api/docs and /api/openapi.json are for signed-in staff (a session, or an API token for tools)."""


def test_anonymous_visitors_are_sent_to_login_and_get_no_schema(client, db):
    docs = client.get("/api/docs")
    assert docs.status_code == 302 and docs["Location"] == "/login/?next=/api/docs"
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 401
    assert schema.json() == {
        "code": "unauthorized",
        "message": "请先登录或提供有效的 API 令牌",
        "field": None,
    }
    assert client.get("/api/openapi.json", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_signed_in_staff_read_the_docs(client, cast):
    client.force_login(cast.agent_a)
    assert client.get("/api/docs").status_code == 200
    assert "/api/tickets" in client.get("/api/openapi.json").json()["paths"]


def test_a_tool_reads_the_schema_with_a_token(client, cast):
    schema = client.get("/api/openapi.json", headers={"Authorization": f"Bearer {cast.token_a}"})
    assert schema.status_code == 200 and "paths" in schema.json()


def test_an_inactive_persons_session_does_not_open_the_docs(client, cast):
    client.force_login(cast.agent_a)
    cast.agent_a.is_active = False
    cast.agent_a.save()
    assert client.get("/api/docs").status_code == 302
