"""The rules API: what `kefu rules` does, for automation — export, diff, import all or nothing."""

from kefu.rules.models import RuleChange, RuleOverride


def put(client, token, body):
    return client.put(
        "/api/rules/oufei",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_import_diff_and_export_through_the_api(client, cast, api_sup):
    body = {"forbidden": {"ask_me_who": None}, "reason": "版本库 9f8e7d"}
    assert api_sup.post("/rules/oufei/diff", body).json() == [
        {"section": "forbidden", "key": "ask_me_who", "change": "停用"}
    ]
    answer = put(client, cast.token_sup, body)
    assert answer.status_code == 200 and answer.json() == {"changes": 1}
    assert api_sup.get("/rules/oufei").json() == {
        "brand": "oufei",
        "forbidden": {"ask_me_who": None},
        "phrases": {},
        "sla": {},
    }
    assert RuleChange.objects.get().actor == cast.supervisor


def test_a_bad_rule_is_a_400_naming_it_and_nothing_is_written(client, cast):
    body = {
        "forbidden": {"ask_me_who": None, "x1": {"patterns": 3}},
        "sla": {"complaint": [{"code": "resolve", "amount": -1}]},
        "reason": "试",
    }
    answer = put(client, cast.token_sup, body)
    assert answer.status_code == 400 and "x1" in answer.json()["message"]
    assert not RuleOverride.objects.exists()


def test_an_agent_may_not(client, cast):
    assert put(client, cast.token_a, {"reason": "x"}).status_code == 403
