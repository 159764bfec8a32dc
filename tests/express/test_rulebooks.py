"""Walk every express rulebook: every rule cites a source, every listed item matches."""

from datetime import timedelta
from decimal import Decimal

import pytest

from kefu.express.rules import (
    Place,
    RulebookError,
    assess_claim_data,
    check_network,
    identify_waybill,
    load_rulebook,
    match_items,
    promised_hours,
)
from kefu.typed import t2s

from .test_claims import case


def test_every_waybill_format_cites_a_source(rulebook):
    for section in ("brands", "carriers"):
        for entry in rulebook.waybill[section]:
            assert entry["name"] and entry["code"]
            for fmt in entry["formats"]:
                assert fmt["source"], fmt


def test_every_carrier_code_of_the_issue_is_present(rulebook):
    codes = {e["code"] for e in rulebook.waybill["carriers"]} | {
        e["code"] for e in rulebook.waybill["brands"]
    }
    assert {"SF", "YTO", "ZTO", "STO", "YUNDA", "JD", "EMS", "JT", "DEPPON", "XTJ"} <= codes


def test_every_network_exclusion_cites_a_source_and_is_out_of_network(rulebook):
    for area in rulebook.network["not_open"]:
        assert area["source"]
        place = Place(area["province"], area.get("city", "某地"), area.get("district", "某县"))
        assert check_network(place)[0] is False, area


def test_every_open_province_is_in_network(rulebook):
    for province in rulebook.network["provinces"]:
        assert check_network(Place(province, "某市", "某区"))[0] is True


@pytest.mark.parametrize("index", range(len(load_rulebook().prohibited["items"])))
def test_every_prohibited_item_and_each_variant_matches_its_own_rule(rulebook, index):
    entry = rulebook.prohibited["items"][index]
    assert entry["source"] and entry["kind"] in {"prohibited", "restricted"}
    for word in [entry["name"], *entry.get("variants", [])]:
        matches = match_items(f"一箱{word}")
        own = [m for m in matches if m.item == entry["name"]]
        assert own, word
        assert own[0].kind == entry["kind"], word


def test_every_exception_suppresses_its_rule(rulebook):
    for entry in rulebook.prohibited["items"]:
        for exception in entry.get("exceptions", []):
            assert not [m for m in match_items(exception) if m.item == entry["name"]], exception


def test_every_zone_has_a_rate_with_source_and_promised_time(rulebook):
    for zone in rulebook.tariff["zones"]:
        rate = rulebook.tariff["rates"][zone["code"]]
        assert rate["source"]
        assert Decimal(rate["first_price"]) > 0
        assert promised_hours(zone["code"]) > 0
    for key in ("chargeable_weight", "vehicle", "pickup_window", "special_handling"):
        assert rulebook.tariff[key]["source"]


def test_every_claim_rule_has_a_source_and_an_effect(rulebook):
    for key, rule in rulebook.claims["rules"].items():
        assert rule["source"], key
        assert rule["effect"], key


def test_every_refusing_claim_rule_can_actually_refuse(rulebook):
    # each rule with a refusal text, and an input that makes it the first refusal
    triggers = {
        "claimant": {"claim": {"claimant": {"name": "王五", "role": "recipient"}}},
        "time_limit": {"claim": {"filed_at": "2025-06-01T00:00:00+08:00"}},
        "no_query_within_year": {
            "claim": {"filed_at": "2025-06-01T00:00:00+08:00", "queried_within_year": False}
        },
        "customer_fault": {"claim": {"cause": "customer_fault"}},
        "item_nature": {"claim": {"cause": "item_nature"}},
        "force_majeure": {"claim": {"cause": "force_majeure"}},
        "signed_and_courier_left": {
            "waybill": {
                "signed_at": "2024-03-02T10:00:00+08:00",
                "courier_left_at": "2024-03-02T10:01:00+08:00",
            },
            "claim": {"reason": "damage", "damage": "total"},
        },
        "customer_packaging": {
            "waybill": {"packaged_by": "customer"},
            "claim": {"reason": "damage", "damage": "total", "cause": "packaging"},
        },
        "not_delayed": {
            "waybill": {"promised_at": "2024-03-20T00:00:00+08:00"},
            "claim": {"reason": "delay"},
        },
    }
    refusing = {k for k, r in rulebook.claims["rules"].items() if "refusal" in r}
    assert refusing == set(triggers)
    for key, change in triggers.items():
        decision = assess_claim_data(case(**change))
        assert not decision.eligible, key
        assert key in decision.rules(), key
        assert decision.refused_reason in {rulebook.claims["rules"][k]["refusal"] for k in refusing}


def test_service_rules_cite_sources(rulebook):
    query = rulebook.service["query"]
    for key in ("reply_source", "validity_source", "no_result_source"):
        assert query[key]
    for kind, spec in query["kinds"].items():
        assert spec["source"] and spec["guidance"], kind
        assert kind in query["replies"], kind
    for code, spec in rulebook.service["complaints"]["types"].items():
        assert spec["source"] and spec["steps"], code
    for code, spec in rulebook.service["problem_parcels"]["kinds"].items():
        assert spec["source"] and spec["steps"], code


def test_user_facing_text_in_rulebooks_is_simplified_chinese(rulebook):
    def strings(node):
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for value in node.values():
                yield from strings(value)
        elif isinstance(node, list):
            for value in node:
                yield from strings(value)

    converter = t2s()
    for section in ("network", "prohibited", "claims", "service", "tariff", "waybill"):
        for text in strings(rulebook.section(section)):
            assert converter.convert(text) == text, text


def test_overrides_replace_rules_without_code(rulebook):
    book = rulebook.with_overrides({"service": {"query": {"reply_within_minutes": 15}}})
    from kefu.express.rules import classify_query

    now = rulebook_now()
    assert classify_query(None, False, [], now, book).reply_by == now + timedelta(minutes=15)
    assert classify_query(None, False, [], now).reply_by == now + timedelta(minutes=30)
    with pytest.raises(RulebookError):
        rulebook.with_overrides({"nonsense": {}})


def test_waybill_identification_uses_the_given_rulebook(rulebook):
    book = rulebook.with_overrides(
        {
            "waybill": {
                "brands": [
                    {
                        "code": "ABC",
                        "name": "某品牌",
                        "formats": [{"prefixes": ["AB"], "body": "digits", "length": 10}],
                    }
                ]
            }
        }
    )
    assert identify_waybill("AB12345678", book).best.carrier == "ABC"
    assert identify_waybill("AB12345678").candidates == ()


def rulebook_now():
    from datetime import datetime

    from kefu.express.rules.money import SHANGHAI

    return datetime(2024, 5, 1, 9, 0, tzinfo=SHANGHAI)
