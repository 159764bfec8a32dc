"""The 规则 pages: a refused rule is shown beside its field with everything typed kept; 试运行 answers in place;
a saved rule, a disabled one and a revert show in the lists; another brand's supervisor sees none of it."""

import yaml

from kefu.accounts.models import Team, User
from kefu.rules.models import RuleChange, RuleOverride

FORM = {
    "patterns": "{这个|那个|}要问快递员",
    "category": "shirk",
    "severity": "severe",
    "channels": ["phone", "chat", "email"],
    "rewrite": "我来帮您联系快递员核实",
    "message": "",
    "examples": "这个要问快递员。\n那个要问快递员吧",
    "counter_examples": "我帮您问快递员\n这个要问快递员才知道",
    "reason": "12月3日投诉",
    "action": "save",
}


def test_a_refused_rule_comes_back_beside_its_field_with_the_text_kept(client, cast):
    client.force_login(cast.supervisor)
    page = client.post("/rules/oufei/forbidden/edit/", FORM)
    assert page.status_code == 400
    html = page.content.decode()
    assert "反例“这个要问快递员才知道”被误判为忌语" in html and "field-error" in html
    assert "{这个|那个|}要问快递员" in html and "12月3日投诉" in html and "我来帮您联系快递员核实" in html
    assert not RuleOverride.objects.exists()


def test_try_answers_in_place_and_save_lists_the_rule_first(client, cast):
    client.force_login(cast.supervisor)
    form = {**FORM, "counter_examples": "我帮您问快递员"}
    trial = client.post(
        "/rules/oufei/forbidden/edit/", {**form, "action": "try"}, headers={"HX-Request": "true"}
    )
    assert trial.status_code == 200 and "2 句例句都识别出了，1 句反例没有误判" in trial.content.decode()
    assert not RuleOverride.objects.exists()

    saved = client.post("/rules/oufei/forbidden/edit/", form, follow=True)
    html = saved.content.decode()
    assert "忌语已保存" in html
    first_row = html.split("<tbody>")[1].split("</tr>")[0]
    assert "本品牌新增" in first_row and "要问快递员" in first_row


def test_disable_and_revert_from_the_pages(client, cast):
    client.force_login(cast.supervisor)
    client.post("/rules/oufei/forbidden/ask_me_who/", {"action": "disable", "reason": "另有规定"})
    assert RuleOverride.objects.get().value is None
    history = client.get("/rules/oufei/history/").content.decode()
    assert "另有规定" in history and "停用" in history and "赵主管" in history
    change = RuleChange.objects.get()
    client.post(f"/rules/oufei/history/{change.pk}/revert/")
    assert not RuleOverride.objects.exists()
    assert "撤销第" in client.get("/rules/oufei/history/").content.decode()


def test_the_phrase_page_saves_wording_and_export_gives_it_back(client, cast):
    client.force_login(cast.supervisor)
    lines = "{greeting}，欧飞客服中心，很高兴为您服务！"
    refused = client.post("/rules/oufei/phrases/opening/", {"lines": "{greeting}，{nick}", "reason": "试"})
    assert refused.status_code == 400 and "{nick}" in refused.content.decode()
    client.post("/rules/oufei/phrases/opening/", {"lines": lines, "reason": "春节前换开始语"})
    listing = client.get("/rules/oufei/phrases/").content.decode()
    assert "欧飞客服中心" in listing and "本品牌修改" in listing
    exported = yaml.safe_load(client.get("/rules/oufei/export/").content)
    assert exported["phrases"]["opening"][0]["text"] == lines


def test_a_supervisor_of_another_brand_cannot_see_or_change_it(client, cast):
    lead_b = User.objects.create_user(
        "sup_b", password="pw-123456", role=User.Role.SUPERVISOR, team=Team.objects.get(name="B 组")
    )
    client.force_login(lead_b)
    assert client.get("/rules/oufei/phrases/").status_code == 403
    assert (
        client.post("/rules/oufei/phrases/opening/", {"lines": "{greeting}", "reason": "x"}).status_code
        == 403
    )
    assert client.get("/rules/").url == "/rules/xintianjie/"
    assert not RuleOverride.objects.exists()
