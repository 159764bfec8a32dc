"""Every forbidden phrase the seeds list is caught under its own category and severity, not only as 你→您."""

from pathlib import Path

import pytest
import yaml

from kefu.standards.compliance import check
from kefu.standards.compliance.engine import SEVERITY_RANK

PHRASES = yaml.safe_load((Path(__file__).parent / "samples" / "seed_forbidden.yaml").read_text("utf-8"))[
    "phrases"
]
MINOR_BY_NATURE = {"vague", "verbal_tic", "chat_slang"}


@pytest.mark.parametrize("phrase", PHRASES, ids=[p["text"][:16] for p in PHRASES])
def test_seed_phrase_is_caught_for_what_it_is(phrase):
    found = check(phrase["text"], phrase.get("channel", "phone"), phrase.get("profile", "generic"))
    floor = phrase.get("severity", "minor" if phrase["categories"][0] in MINOR_BY_NATURE else "major")
    own = [
        v
        for v in found
        if v.category_code in phrase["categories"] and SEVERITY_RANK[v.severity] >= SEVERITY_RANK[floor]
    ]
    assert own, [(v.rule_id, v.category_code, v.severity, v.text) for v in found]


def test_the_list_covers_every_seed_section():
    sources = " ".join(p["source"] for p in PHRASES)
    for section in (
        "000 二(二)",
        "001 五",
        "002 二",
        "003 讽刺语",
        "003 推卸语",
        "003 随意附和语",
        "004 服务禁语",
    ):
        assert section in sources
    assert len(PHRASES) >= 130
