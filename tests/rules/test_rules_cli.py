"""`kefu rules export|import|diff --brand B`: a center keeps its overrides under version control."""

from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from kefu.rules import selectors, services
from kefu.rules.models import RuleChange, RuleOverride

FORM = {
    "patterns": "要问快递员",
    "category": "shirk",
    "severity": "major",
    "channels": ["phone", "chat"],
    "rewrite": "我来帮您联系快递员核实",
    "examples": "这个要问快递员\n那要问快递员",
}


def run(*args) -> str:
    out = StringIO()
    call_command("rules", *args, stdout=out)
    return out.getvalue()


def test_export_edit_import_round_trips(cast, tmp_path):
    services.rule_forbidden_save(
        brand=cast.brand_a, form=FORM, actor=cast.supervisor, reason="投诉后新增", rule_id="ask_courier"
    )
    services.rule_forbidden_disable(
        brand=cast.brand_a, rule_id="ask_me_who", actor=cast.supervisor, reason="停"
    )
    services.rule_phrase_save(
        brand=cast.brand_a,
        situation="opening",
        lines="{greeting}，欧飞客服中心，很高兴为您服务！",
        actor=cast.supervisor,
        reason="换开始语",
    )
    file = tmp_path / "oufei.yaml"
    run("export", "--brand", "oufei", "--out", str(file))
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    assert data["forbidden"]["ask_me_who"] is None and data["forbidden"]["ask_courier"]["patterns"] == [
        "要问快递员"
    ]

    # edited under version control: another pattern, the opening back to shipped, the disabled rule kept
    data["forbidden"]["ask_courier"]["patterns"].append("找快递员去")
    data["forbidden"]["ask_courier"]["examples"]["variants"].append("你找快递员去")
    del data["phrases"]["opening"]
    file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert run("diff", "--brand", "欧飞", str(file)).splitlines() == [
        "修改\tforbidden.ask_courier",
        "恢复出厂\tphrases.opening",
    ]
    assert run("import", "--brand", "oufei", str(file), "--reason", "版本库 a1b2c3") == "已导入 2 处修改\n"
    assert run("diff", "--brand", "oufei", str(file)) == ""
    assert selectors.export(cast.brand_a) == {**data, "phrases": {}}
    found = selectors.brand_checker(cast.brand_a).check("您找快递员去吧")
    assert [v.rule_id for v in found] == ["ask_courier"]
    assert RuleChange.objects.filter(reason="版本库 a1b2c3", actor=None).count() == 2
    assert run("import", "--brand", "oufei", str(file)) == "没有需要导入的修改\n"


def test_an_import_that_breaks_a_rule_changes_nothing(cast, tmp_path):
    file = tmp_path / "bad.yaml"
    bad = {**services.forbidden_rule(cast.brand_a, FORM, reason="x"), "counter_examples": ["这个要问快递员"]}
    opening = [{"text": "{greeting}，欧飞", "when": {}, "source": "品牌自定"}]
    file.write_text(
        yaml.safe_dump(
            {"brand": "oufei", "phrases": {"opening": opening}, "forbidden": {"x1": bad}}, allow_unicode=True
        ),
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="反例“这个要问快递员”被误判为忌语"):
        run("import", "--brand", "oufei", str(file))
    assert not RuleOverride.objects.exists() and not RuleChange.objects.exists()


def test_a_file_of_another_brand_or_not_yaml_is_refused(cast, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text("brand: xintianjie\nforbidden: {}\n", encoding="utf-8")
    with pytest.raises(CommandError, match="不是 oufei"):
        run("import", "--brand", "oufei", str(other))
    broken = tmp_path / "broken.yaml"
    broken.write_text("brand: [oufei\n", encoding="utf-8")
    with pytest.raises(CommandError, match="不是有效的 YAML：第 2 行"):
        run("diff", "--brand", "oufei", str(broken))
