"""Walks rulebooks/forbidden.yaml and rulebooks/prescribed.yaml: every rule is exercised."""

import pytest

from kefu.standards.compliance import CHANNELS, check, get_checker, load_prescribed
from kefu.standards.compliance.rulebook import load_rulebook

RULEBOOK = load_rulebook()
RULES = [(code, rule) for code, prof in RULEBOOK.profiles.items() for rule in prof.rules] + [
    ("generic", rule) for rule in RULEBOOK.rules
]


def _ids(item):
    code, rule = item
    return f"{code}:{rule.id}"


@pytest.mark.parametrize("item", RULES, ids=[_ids(i) for i in RULES])
def test_every_example_is_caught_with_a_span_on_the_offending_words(item):
    profile, rule = item
    checker = get_checker(profile)
    channel = sorted(rule.channels)[0]
    for example in rule.examples:
        hits = [v for v in checker.check(example, channel) if v.rule_id == rule.id]
        assert hits, f"{rule.id} 未检出：{example}"
        for v in hits:
            assert example[v.start : v.end] == v.text
            # The span alone is still the violation: it covers the offending words.
            assert rule.id in {w.rule_id for w in checker.check(v.text, channel)}, (example, v.text)


@pytest.mark.parametrize("item", RULES, ids=[_ids(i) for i in RULES])
def test_counter_examples_pass_clean_on_every_channel(item):
    profile, rule = item
    for sentence in rule.counter_examples:
        for channel in CHANNELS:
            assert check(sentence, channel, profile) == [], (sentence, channel)


@pytest.mark.parametrize("item", RULES, ids=[_ids(i) for i in RULES])
def test_rules_fire_only_on_their_channels(item):
    profile, rule = item
    for channel in set(CHANNELS) - rule.channels:
        for example in rule.examples:
            assert rule.id not in {v.rule_id for v in check(example, channel, profile)}, (example, channel)


@pytest.mark.parametrize("item", RULES, ids=[_ids(i) for i in RULES])
def test_every_rule_cites_a_seed_and_offers_a_clean_rewrite(item):
    profile, rule = item
    assert any(f"00{i}_" in rule.source for i in range(5)), rule.source
    assert check(rule.rewrite, "chat", profile) == [], rule.rewrite


PRESCRIBED = load_prescribed()


@pytest.mark.parametrize("phrase", PRESCRIBED, ids=[p.text[:20] for p in PRESCRIBED])
def test_prescribed_phrases_pass_clean(phrase):
    for profile in {"generic", phrase.profile}:
        for channel in phrase.channels:
            found = check(phrase.text, channel, profile)
            assert found == [], [(v.rule_id, v.text) for v in found]


def test_prescribed_corpus_covers_all_five_seeds():
    sources = " ".join(p.source for p in PRESCRIBED)
    for seed in ("000_", "001_", "002_", "003_", "004_"):
        assert seed in sources
    assert len(PRESCRIBED) >= 150


def test_seed_typos_with_ni_are_recorded_in_the_corrected_form():
    corrected = {p.text for p in PRESCRIBED if "你" in p.note}
    assert "请让我来帮您忙吧！" in corrected
    assert any("再次向您表示歉意" in t for t in corrected)
    assert any("因您所征询的业务" in t for t in corrected)
    # ... and the seed's own wording is still flagged (你 where 您 is due).
    assert [v.rule_id for v in check("请让我来帮你忙吧！")] == ["ni_address"]
