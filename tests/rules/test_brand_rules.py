"""A supervisor's changes to a brand's rules: forbidden phrases tried on their examples before saving, held by the
gate for that brand only, kept in the history and revertible; a situation's wording in the script panel; who may
change what; the version every process reads."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kefu.accounts.models import Team, User
from kefu.brands.selectors import script_panel
from kefu.errors import PermissionDenied, ServiceError
from kefu.rules import selectors, services
from kefu.rules.models import RuleChange, RuleKind, RuleOverride

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_PHRASE = "这个要问快递员"
FORM = {
    "patterns": "{这个|那个|}要问快递员",
    "category": "shirk",
    "severity": "severe",
    "channels": ["phone", "chat", "email"],
    "rewrite": "我来帮您联系快递员核实",
    "message": "不得把客户推给快递员",
    "examples": "这个要问快递员。\n那个要问快递员吧",
    "counter_examples": "我帮您问快递员",
}


def add_rule(cast, **changes):
    return services.rule_forbidden_save(
        brand=cast.brand_a, form={**FORM, **changes}, actor=cast.supervisor, reason="12月3日投诉"
    )


def reply(api, ticket, body):
    return api.post(f"/tickets/{ticket.number}/replies", {"body": body})


def test_a_counter_example_that_matches_refuses_the_rule_and_saves_nothing(cast):
    with pytest.raises(ServiceError) as refused:
        add_rule(cast, counter_examples="我帮您问快递员\n这个要问快递员才知道")
    assert refused.value.field == "counter_examples"
    assert "反例“这个要问快递员才知道”被误判为忌语" in refused.value.message
    assert not RuleOverride.objects.exists() and not RuleChange.objects.exists()


def test_an_example_the_patterns_miss_refuses_the_rule(cast):
    with pytest.raises(ServiceError) as refused:
        add_rule(cast, examples="这个要问快递员\n你去找派件员")
    assert refused.value.field == "examples" and "例句“你去找派件员”没有被识别出来" in refused.value.message


def test_one_example_is_not_enough(cast):
    with pytest.raises(ServiceError, match="至少填写两句"):
        add_rule(cast, examples="这个要问快递员")


def test_a_saved_phrase_is_refused_for_that_brand_and_not_for_another(cast, api_a, api_b, new_ticket):
    ticket_a, ticket_b = new_ticket("咨询"), new_ticket("咨询", brand=cast.brand_b, customer=cast.customer_b)
    assert reply(api_a, ticket_a, NEW_PHRASE).status_code == 201  # before: nothing forbids it
    add_rule(cast)
    refused = reply(api_a, ticket_a, "您好，" + NEW_PHRASE)
    assert refused.status_code == 409
    found = refused.json()["violations"]
    assert [v["category"] for v in found] == ["推卸"] and found[0]["rewrite"] == "我来帮您联系快递员核实"
    assert reply(api_b, ticket_b, NEW_PHRASE).status_code == 201


def test_the_change_is_in_the_history_and_a_revert_takes_it_back(cast, api_a, new_ticket):
    ticket = new_ticket("咨询")
    change = add_rule(cast)
    assert (change.actor, change.reason, change.before) == (cast.supervisor, "12月3日投诉", None)
    assert change.after["value"]["patterns"] == ["{这个|那个|}要问快递员"]
    assert change.after["value"]["source"] == "品牌自定（欧飞）：12月3日投诉"
    rows = selectors.history_rows(cast.brand_a)
    assert (rows[0]["name"], rows[0]["before"], rows[0]["after"]) == (
        "推卸：这个要问快递员。",
        "（无）",
        "{这个|那个|}要问快递员（推卸，严重）",
    )

    undo = services.rule_change_revert(change=change, actor=cast.supervisor)
    assert undo.reverts == change and undo.after is None and undo.reason == f"撤销第 {change.pk} 号修改"
    assert not RuleOverride.objects.exists()
    assert reply(api_a, ticket, NEW_PHRASE).status_code == 201
    assert RuleChange.objects.count() == 2  # the history keeps both


def test_a_shipped_rule_switched_off_for_one_brand(cast):
    text = "你问我，我问谁？"
    services.rule_forbidden_disable(
        brand=cast.brand_a, rule_id="ask_me_who", actor=cast.supervisor, reason="本品牌另有规定"
    )
    checker_a, checker_b = selectors.brand_checker(cast.brand_a), selectors.brand_checker(cast.brand_b)
    assert "ask_me_who" not in {v.rule_id for v in checker_a.check(text)}
    assert "ask_me_who" in {v.rule_id for v in checker_b.check(text)}
    rows = {r["id"]: r for r in selectors.forbidden_rows(cast.brand_a)}
    assert rows["ask_me_who"]["state"] == "disabled"


def test_changing_a_shipped_rule_keeps_its_id_and_uses_the_new_wording(cast):
    form = selectors.forbidden_rule_form(cast.brand_a, "ask_me_who")
    assert "我问谁" in form["examples"]
    form["rewrite"] = "这个问题我马上帮您查清楚"
    form["examples"] = "你问我，我问谁\n你问我我问谁啊"
    services.rule_forbidden_save(
        brand=cast.brand_a, form=form, actor=cast.supervisor, reason="改用本品牌的说法", rule_id="ask_me_who"
    )
    found = [
        v
        for v in selectors.brand_checker(cast.brand_a).check("你问我，我问谁？")
        if v.rule_id == "ask_me_who"
    ]
    assert found and found[0].rewrite == "这个问题我马上帮您查清楚"
    assert {r["id"]: r for r in selectors.forbidden_rows(cast.brand_a)}["ask_me_who"]["state"] == "changed"


def test_the_try_lists_what_the_rule_would_flag_in_the_last_replies(cast, api_a, new_ticket):
    ticket = new_ticket("咨询")
    for body in ("这个要问快递员哦", "您好，我帮您查询", "那个要问快递员"):
        assert reply(api_a, ticket, body).status_code == 201
    trial = services.forbidden_try(cast.brand_a, FORM)
    assert (trial["replies"], trial["hits"]) == (3, 2)
    assert [h["text"] for h in trial["samples"]] == ["那个要问快递员", "这个要问快递员哦"]
    assert not RuleOverride.objects.exists()  # trying saves nothing


def test_who_may_change_a_brands_rules(cast):
    with pytest.raises(PermissionDenied):
        services.rule_forbidden_save(brand=cast.brand_a, form=FORM, actor=cast.agent_a, reason="x")
    team_b_lead = User.objects.create_user(
        "sup_b", password="pw-123456", role=User.Role.SUPERVISOR, team=Team.objects.get(name="B 组")
    )
    with pytest.raises(PermissionDenied):
        services.rule_forbidden_save(brand=cast.brand_a, form=FORM, actor=team_b_lead, reason="x")
    with pytest.raises(PermissionDenied):
        selectors.brand_for_rules("oufei", team_b_lead)
    assert [b.code for b in selectors.brands_for_rules(team_b_lead)] == ["xintianjie"]
    assert selectors.brands_for_rules(cast.agent_a) == []


def test_a_change_without_a_reason_is_refused(cast):
    with pytest.raises(ServiceError) as refused:
        services.rule_forbidden_save(brand=cast.brand_a, form=FORM, actor=cast.supervisor, reason=" ")
    assert refused.value.field == "reason"


# ---------------------------------------------------------------- wording


OPENING = "【春节】{greeting}！欧飞祝您春节快乐，很高兴为您服务！\n{greeting}，欧飞，很高兴为您服务！"


def opening(brand, at):
    return next(s["text"] for s in script_panel(brand, at=at, channel="phone") if s["id"] == "opening")


def test_a_brands_opening_for_spring_festival_shows_in_the_script_panel(cast):
    festival, plain = datetime(2026, 2, 17, 10, tzinfo=SHANGHAI), datetime(2026, 3, 3, 10, tzinfo=SHANGHAI)
    before = opening(cast.brand_a, festival)
    services.rule_phrase_save(
        brand=cast.brand_a, situation="opening", lines=OPENING, actor=cast.supervisor, reason="春节前换开始语"
    )
    assert opening(cast.brand_a, festival) == "新年好！欧飞祝您春节快乐，很高兴为您服务！" != before
    assert opening(cast.brand_a, plain) == "您好，欧飞，很高兴为您服务！"
    assert "春节快乐" not in opening(cast.brand_b, festival)
    assert selectors.phrase_form(cast.brand_a, "opening")["lines"] == OPENING


def test_wording_with_a_forbidden_phrase_or_an_unknown_placeholder_is_refused(cast):
    for lines, words in (
        ("{greeting}，有本事就投诉我", "含服务忌语"),
        ("{greeting}，{nickname}您好", "占位符 {nickname} 无法填写"),
        ("【节日】{greeting}，欧飞祝您节日快乐", "最后一行应是任何时候都能用的话术"),
        ("【明天】{greeting}", "条件“明天”无法识别"),
    ):
        with pytest.raises(ServiceError, match=words) as refused:
            services.rule_phrase_save(
                brand=cast.brand_a, situation="opening", lines=lines, actor=cast.supervisor, reason="试"
            )
        assert refused.value.field == "lines"
    assert not RuleOverride.objects.exists()


def test_kefus_own_sentences_use_the_brands_wording(cast):
    from kefu.tickets.gate import say

    services.rule_phrase_save(
        brand=cast.brand_a,
        situation="chat_silent_ended",
        lines="您好，由于您长时间没有发言，本次会话已结束。欧飞随时为您服务。",
        actor=cast.supervisor,
        reason="本品牌的说法",
    )
    text = say(
        "chat_silent_ended", brand=cast.brand_a, channel="chat", at=datetime(2026, 3, 3, tzinfo=SHANGHAI)
    )
    assert text == "您好，由于您长时间没有发言，本次会话已结束。欧飞随时为您服务。"


# ---------------------------------------------------------------- every process sees it


def test_another_process_change_is_seen_on_the_next_check(cast, monkeypatch):
    """Without Redis, the version is the brand's latest change in the database: a change written by another
    process (which does not touch this one's memory) is seen on the next check."""
    assert not selectors.brand_checker(cast.brand_a).check(NEW_PHRASE)  # built and cached
    monkeypatch.setattr(selectors, "rules_changed", lambda *args: None)  # the other process's commit hook
    add_rule(cast)
    assert [v.rule_id for v in selectors.brand_checker(cast.brand_a).check(NEW_PHRASE)]


def test_an_override_that_no_longer_fits_the_shipped_rulebook_is_skipped(cast):
    RuleOverride.objects.create(brand=cast.brand_a, kind=RuleKind.FORBIDDEN, key="removed_since", value=None)
    RuleChange.objects.create(brand=cast.brand_a, kind=RuleKind.FORBIDDEN, key="removed_since", reason="旧")
    assert selectors.brand_checker(cast.brand_a).check("你问我，我问谁？")  # the gate still works


def test_qa_flags_the_brands_own_phrase_as_the_gate_does(cast):
    import json
    from pathlib import Path

    from kefu.standards import qa

    transcript = json.loads(
        (Path(__file__).parents[1] / "standards/samples/phone_good.json").read_text("utf-8")
    )
    transcript["turns"][2]["text"] = "这个要问快递员，跟您核对一下订单号。"

    def flagged(sheet):
        return [i.detail for i in sheet.items if i.criterion == "forbidden_phrase" and i.deduction]

    assert flagged(qa.score(transcript, checker=selectors.brand_checker(cast.brand_a))) == []
    add_rule(cast)
    found = flagged(qa.score(transcript, checker=selectors.brand_checker(cast.brand_a)))
    assert len(found) == 1 and "服务忌语（推卸）“这个要问快递员”" in found[0]
    assert flagged(qa.score(transcript, checker=selectors.brand_checker(cast.brand_b))) == []


# ---------------------------------------------------------------- SLA targets


def test_a_brands_shorter_target_times_its_new_tickets_only(cast, new_ticket, client):
    key = "resolve|||created"
    with pytest.raises(ServiceError) as refused:
        services.rule_sla_save(
            brand=cast.brand_a, ticket_type="complaint", target_key=key, amount="三", unit="days",
            clock="calendar", actor=cast.supervisor, reason="VIP 合同",
        )  # fmt: skip
    assert refused.value.field == "amount"
    with pytest.raises(ServiceError, match="《快递暂行条例》规定处理结果告知客户不得超过7天"):
        services.rule_sla_save(
            brand=cast.brand_a, ticket_type="complaint", target_key=key, amount=10, unit="days",
            clock="calendar", actor=cast.supervisor, reason="想宽限几天",
        )  # fmt: skip
    when = datetime(2026, 3, 3, 10, tzinfo=SHANGHAI)
    before = new_ticket("投诉", when=when)
    services.rule_sla_save(
        brand=cast.brand_a, ticket_type="complaint", target_key=key, amount=3, unit="days", clock="calendar",
        actor=cast.supervisor, reason="VIP 合同：3 天内告知结果",
    )  # fmt: skip
    mine = new_ticket("投诉", when=when)
    other = new_ticket("投诉", when=when, brand=cast.brand_b, customer=cast.customer_b)

    def due(ticket):
        return ticket.clocks.get(code="resolve").due_at.astimezone(SHANGHAI).date().isoformat()

    assert (due(before), due(mine), due(other)) == ("2026-03-10", "2026-03-06", "2026-03-10")
    row = next(
        r
        for r in selectors.sla_rows(cast.brand_a)
        if r["target"].code == "resolve" and r["type"] == "complaint"
    )
    assert row["own"] and row["promise"] == "3天"
    assert selectors.history_rows(cast.brand_a)[0]["after"] == "处理结果告知客户：3天"
    assert selectors.export(cast.brand_a)["sla"]["complaint"][0]["amount"] == 3
    client.force_login(cast.supervisor)
    page = client.get("/rules/oufei/sla/").content.decode()
    assert "本品牌修改" in page and "3天" in page


# ---------------------------------------------------------------- what the review of this change found


def test_changing_a_shipped_rule_in_the_form_keeps_what_the_form_does_not_show(cast):
    form = selectors.forbidden_rule_form(cast.brand_a, "no_way")
    form["rewrite"] = "我这就帮您想办法"
    services.rule_forbidden_save(
        brand=cast.brand_a, form=form, actor=cast.supervisor, reason="改说法", rule_id="no_way"
    )
    checker = selectors.brand_checker(cast.brand_a)
    assert [v.rule_id for v in checker.check("我没办法。")] == ["no_way"]
    assert not checker.check(
        "抱歉，这个我暂时没有办法，我马上为您转交"
    )  # the rule's own exception still holds


def test_a_revert_is_refused_when_the_rule_changed_again_since(cast):
    first = services.rule_forbidden_disable(
        brand=cast.brand_a, rule_id="ask_me_who", actor=cast.supervisor, reason="停"
    )
    services.rule_reset(
        brand=cast.brand_a, kind=RuleKind.FORBIDDEN, key="ask_me_who", actor=cast.supervisor, reason="恢复"
    )
    with pytest.raises(ServiceError, match="又改过"):
        services.rule_change_revert(change=first, actor=cast.supervisor)


def test_an_import_failing_at_a_later_rule_writes_nothing(cast):
    good = services.forbidden_rule(cast.brand_a, FORM, reason="x")
    bad = {**good, "counter_examples": ["这个要问快递员"]}
    with pytest.raises(ServiceError, match="反例"):
        services.rules_import(
            brand=cast.brand_a, data={"forbidden": {"a_ok": good, "z_bad": bad}}, actor=None, reason="导入"
        )
    assert not RuleOverride.objects.exists() and not RuleChange.objects.exists()
    assert not selectors.brand_checker(cast.brand_a).check(NEW_PHRASE)


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        ([{"code": "resolve", "name": "处理结果告知客户", "amount": 10, "unit": "days", "clock": "calendar",
           "source": "品牌自定"}], "不得超过7天"),
        ([{"code": "resolve", "name": "处理结果告知客户", "amount": 7, "unit": "days", "clock": "working",
           "source": "品牌自定"}], "不得超过7天"),
        ([{"code": "resolve", "disabled": True, "source": "品牌自定"}], "不能停用"),
        ([{"code": "nothing", "name": "无", "amount": 1, "unit": "days", "clock": "calendar", "source": "品牌自定"}],
         "没有出厂时限"),
        ("3 天", "应为列表"),
    ],
)  # fmt: skip
def test_an_imported_sla_target_is_held_to_the_forms_limits(cast, targets, message):
    with pytest.raises(ServiceError, match=message):
        services.rules_import(
            brand=cast.brand_a, data={"sla": {"complaint": targets}}, actor=None, reason="导入"
        )


def test_an_imported_phrase_is_checked_by_the_phrasebooks_schema(cast):
    opening = [{"text": "{greeting}，欧飞客服，很高兴为您服务！", "when": {"step": 1}, "source": "品牌自定"}]
    fallback = [{"text": "{greeting}，欧飞客服，请讲。", "source": "品牌自定"}]
    with pytest.raises(ServiceError, match=r"opening \[1\]\.when\.step：应为列表"):
        services.rules_import(
            brand=cast.brand_a, data={"phrases": {"opening": opening + fallback}}, actor=None, reason="导入"
        )
    opening[0]["when"] = {"step": [1]}
    services.rules_import(
        brand=cast.brand_a, data={"phrases": {"opening": opening + fallback}}, actor=None, reason="导入"
    )
    assert opening_text(cast.brand_a) == "您好，欧飞客服，很高兴为您服务！"
    assert [p["source"] for p in RuleOverride.objects.get().value] == [
        "品牌自定",
        "品牌自定",
    ]  # kept as given


def opening_text(brand):
    return opening(brand, datetime(2026, 3, 3, 10, tzinfo=SHANGHAI))


def test_another_brands_supervisor_is_refused_the_api_and_a_revert(cast, client):
    from kefu.accounts.models import ApiToken

    change = services.rule_forbidden_disable(
        brand=cast.brand_a, rule_id="ask_me_who", actor=cast.supervisor, reason="停"
    )
    lead_b = User.objects.create_user(
        "sup_b", password="pw-123456", role=User.Role.SUPERVISOR, team=Team.objects.get(name="B 组")
    )
    headers = {"Authorization": f"Bearer {ApiToken.objects.create(user=lead_b).key}"}
    assert client.get("/api/rules/oufei", headers=headers).status_code == 403
    put = client.put("/api/rules/oufei", {"reason": "x"}, content_type="application/json", headers=headers)
    assert put.status_code == 403
    client.force_login(lead_b)
    assert client.post(f"/rules/oufei/history/{change.pk}/revert/").status_code == 403
    assert client.post(f"/rules/xintianjie/history/{change.pk}/revert/").status_code == 404
    assert RuleOverride.objects.get().value is None


@pytest.mark.django_db(transaction=True)
def test_rules_built_by_a_transaction_that_wrote_them_are_not_kept(cast):
    """A rolled-back write's rules must not stay cached: on SQLite the next change (here made by another
    process, which does not touch this one's memory) gets the rolled-back change's id, hence its version."""
    from django.db import transaction

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        add_rule(cast)
        assert selectors.brand_checker(cast.brand_a).check(NEW_PHRASE)  # seen inside the transaction
        raise Undo
    # the other process's change: its rows, and nothing in this process's memory
    RuleOverride.objects.create(brand=cast.brand_a, kind=RuleKind.FORBIDDEN, key="ask_me_who", value=None)
    RuleChange.objects.create(
        brand=cast.brand_a, kind=RuleKind.FORBIDDEN, key="ask_me_who", after={"value": None}, reason="停"
    )
    checker = selectors.brand_checker(cast.brand_a)
    assert not checker.check(NEW_PHRASE)
    assert "ask_me_who" not in {v.rule_id for v in checker.check("你问我，我问谁？")}


def test_qa_holds_a_chat_to_the_brands_own_first_reply_target(cast):
    from kefu.standards import qa
    from kefu.standards.transcript import parse_transcript

    chat = parse_transcript(
        {
            "channel": "chat", "profile": "oufei", "brand": "oufei", "ticket_type": "consult",
            "started_at": "2026-03-03T10:00:00+08:00",
            "turns": [
                {"speaker": "customer", "text": "在吗", "at": "2026-03-03T10:00:00+08:00"},
                {"speaker": "agent", "text": "您好，请问有什么可以帮您？", "at": "2026-03-03T10:03:00+08:00"},
            ],
        }
    )  # fmt: skip
    assert qa.reply_target_seconds(chat, selectors.brand_policies(cast.brand_a)) == 300
    services.rule_sla_save(
        brand=cast.brand_a, ticket_type="consult", target_key="first_response||chat|created", amount=2,
        unit="minutes", clock="calendar", actor=cast.supervisor, reason="VIP：2 分钟内回复",
    )  # fmt: skip
    assert qa.reply_target_seconds(chat, selectors.brand_policies(cast.brand_a)) == 120
    late = [i for i in qa.score(chat, policies=selectors.brand_policies(cast.brand_a)).items if i.deduction]
    assert "first_reply_late" in {i.criterion for i in late}
    assert "first_reply_late" not in {i.criterion for i in qa.score(chat).items if i.deduction}
