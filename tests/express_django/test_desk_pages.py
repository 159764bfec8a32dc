"""The express pages an agent works in: hub, tracking query, problem parcels, claims, complaints."""

import re
from decimal import Decimal

import pytest

from kefu.express.models import Claim, ProblemParcel, Scan
from kefu.express.services import claim_advance, claim_file, problem_report
from kefu.tickets.models import Ticket

HTMX = {"HX-Request": "true"}
LOSS = {"claimant": {"name": "王小明", "role": "sender"}, "reason": "loss", "cause": "carrier"}
PAGES = ["/express/", "/express/query/", "/express/problems/", "/express/claims/", "/express/complaints/new/"]


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize("path", PAGES)
def test_pages_need_a_login_and_refuse_an_agent_of_another_brand(net, cast, client, path):
    assert client.get(path).status_code == 302
    client.force_login(cast.agent_a)
    refused = client.get(path)
    assert refused.status_code == 403 and "您不服务该品牌" in refused.content.decode()
    client.force_login(cast.agent_b)
    assert client.get(path).status_code == 200


def test_the_hub_links_every_page_with_its_open_work(net, cast, client):
    problem_report(waybill=net.waybill("XTJ700000000001"), kind="refused", station=net.sh, actor=cast.agent_b)
    client.force_login(cast.agent_b)
    page = text(client.get("/express/"))
    for path in [*PAGES[1:], "/express/pickup/"]:
        assert f'href="{path}"' in page
    assert re.search(r"问题件</b><span class=\"count\">1</span>", page)


# ---------------------------------------------------------------- tracking query


def test_a_query_shows_the_rules_answer_then_one_click_opens_the_ticket(net, cast, client):
    w = net.waybill("XTJ700000000002")
    Scan.objects.create(waybill=w, kind="签收", at=w.shipped_at, station=net.sh)
    client.force_login(cast.agent_b)
    page = text(client.get("/express/query/", {"number": w.number}))
    assert "有结果的查询" in page and "签收，请您放心" in page and "上海分拨中心" in page
    assert "规范 004 第二节 一 3" in page  # the seed section, without its file name
    assert not Ticket.objects.exists()
    reply = client.post("/express/query/", {"number": w.number})
    ticket = Ticket.objects.get()
    assert reply.status_code == 302 and reply["Location"] == f"/tickets/{ticket.number}/"
    assert ticket.type.name == "查询" and ticket.waybill_number == w.number
    assert ticket.events.filter(kind="reply", body__contains="签收").exists()


def test_a_query_without_a_number_finds_the_face_sheet_by_the_sender(net, cast, client):
    w = net.waybill("XTJ700000000003", sender_name="陈小红", sender_phone="13911112222")
    client.force_login(cast.agent_b)
    page = text(client.get("/express/query/", {"number": "", "sender_phone": "13911112222"}))
    assert "无单号查询" in page and f"?number={w.number}" in page and "前给您回复" in page


def test_an_empty_query_asks_for_a_number_in_chinese(net, cast, client):
    client.force_login(cast.agent_b)
    page = text(client.get("/express/query/", {"number": "", "sender_phone": "", "sender_name": ""}))
    assert "请填写运单号；客户没有单号时，请填写寄件人电话或姓名" in page
    bad_date = text(client.get("/express/query/", {"number": "", "sender_name": "王", "date": "明天"}))
    assert "输入一个有效的日期" in bad_date
    assert not Ticket.objects.exists()


# ---------------------------------------------------------------- problem parcels


def test_reporting_a_problem_parcel_from_the_page(net, cast, client):
    w = net.waybill("XTJ700000000004", origin=net.fq, dest=net.xm)
    client.force_login(cast.agent_b)
    reply = client.post(
        "/express/problems/", {"waybill_number": w.number, "kind": "wrong_phone", "note": "空号"}
    )
    problem = ProblemParcel.objects.get()
    assert reply.status_code == 302 and reply["Location"] == f"/express/problems/#problem-{problem.pk}"
    assert problem.reported_by == net.xm and problem.ticket.type.name == "问题件"
    page = text(client.get("/express/problems/"))
    assert "电话错误或无法联系" in page and w.number in page and "完成第 1 步" in page
    assert "发出站点客服联系寄件人，确认收件人新的联系方式" in page


def test_a_bad_report_says_what_is_wrong_next_to_the_field_and_writes_nothing(net, cast, client):
    w = net.waybill("XTJ700000000005")
    client.force_login(cast.agent_b)
    unknown = text(
        client.post("/express/problems/", {"waybill_number": "XTJ799999999999", "kind": "refused"})
    )
    assert 'class="field-error">没有找到运单：XTJ799999999999' in unknown
    no_eta = text(client.post("/express/problems/", {"waybill_number": w.number, "kind": "wrong_city"}))
    assert 'class="field-error">请填写预计到达时间（告知客户时要用）' in no_eta
    assert not ProblemParcel.objects.exists() and not Ticket.objects.exists()


def test_steps_advance_with_htmx_in_order_and_the_out_of_area_choice_is_asked_for(net, cast, client):
    problem = problem_report(
        waybill=net.waybill("XTJ700000000006", origin=net.fq, dest=net.xm),
        kind="out_of_area",
        station=net.xm,
        actor=cast.agent_b,
    )
    url = f"/express/problems/{problem.pk}/advance/"
    client.force_login(cast.agent_b)
    skipped = text(client.post(url, {"step": 2}, headers=HTMX))
    assert "请按顺序处理：先完成第 1 步" in skipped
    no_choice = text(client.post(url, {"step": 1}, headers=HTMX))
    assert "请记录收件人的选择：到站自提、转其他快递公司派送（转出）" in no_choice
    done = client.post(url, {"step": 1, "choice": "self_pickup", "note": "收件人下午来取"}, headers=HTMX)
    page = text(done)
    assert done.status_code == 200 and "<html" not in page
    assert "已完成第 1 步" in page and "收件人的选择：到站自提" in page and "完成第 2 步" in page
    problem.refresh_from_db()
    assert problem.choice == "self_pickup" and problem.steps[0]["note"] == "收件人下午来取"
    assert problem.ticket.events.filter(kind="reply", body__contains="自提").exists()
    last = text(client.post(url, {"step": 2}, headers=HTMX))
    assert "全部步骤已完成，工单已解决" in last
    assert text(client.get("/express/problems/")).count(f'id="problem-{problem.pk}"') == 0


def test_an_agent_of_another_brand_cannot_advance_a_step(net, cast, client):
    problem = problem_report(
        waybill=net.waybill("XTJ700000000007"), kind="refused", station=net.sh, actor=None
    )
    client.force_login(cast.agent_a)
    assert (
        client.post(f"/express/problems/{problem.pk}/advance/", {"step": 1}, headers=HTMX).status_code == 403
    )
    problem.refresh_from_db()
    assert problem.steps[0]["state"] == "pending"


# ---------------------------------------------------------------- claims


def test_claims_show_the_decision_the_rules_that_fired_and_the_deadlines(net, cast, client):
    w = net.waybill("XTJ700000000008")
    claim = claim_file(brand=net.brand, waybill_number=w.number, claim=LOSS, actor=cast.agent_b)
    client.force_login(cast.agent_b)
    page = text(client.get("/express/claims/"))
    assert w.number in page and "可赔 12.00 元" in page and "已申告" in page
    assert "免除本次服务费用" in page and "索赔受理答复" in page
    assert "受理并答复客户" in page and "不予赔偿" in page
    claim_advance(claim=claim, to="acknowledged", actor=cast.agent_b)
    assert "提出赔偿方案（国内）" in text(client.get("/express/claims/")), "its clock starts with the answer"


def test_filing_a_claim_from_the_form(net, cast, client):
    w = net.waybill("XTJ700000000009", insured=True, declared_value=Decimal("500.00"))
    client.force_login(cast.agent_b)
    form = {
        "waybill_number": w.number,
        "claimant_name": "王小明",
        "claimant_role": "sender",
        "reason": "damage",
        "cause": "carrier",
        "packaged_by": "courier",
        "extent": "partial",
        "lost_percent": "30",
    }
    reply = client.post("/express/claims/", form)
    claim = Claim.objects.get()
    assert reply.status_code == 302 and reply["Location"] == f"/express/claims/#claim-{claim.pk}"
    assert (
        claim.reason == "damage" and claim.eligible and claim.amount == Decimal("153.60")
    )  # 30% of 500 and of the 12.00 fee
    assert claim.request["claim"]["damage"] == {"extent": "partial", "value_lost_ratio": "0.3"}


def test_a_bad_claim_form_says_what_is_missing_in_chinese(net, cast, client):
    w = net.waybill("XTJ700000000010")
    client.force_login(cast.agent_b)
    base = {"claimant_name": "王小明", "claimant_role": "sender", "packaged_by": "courier"}
    partial = text(
        client.post(
            "/express/claims/", {**base, "waybill_number": w.number, "reason": "damage", "extent": "partial"}
        )
    )
    assert 'class="field-error">部分损毁请填写损失比例' in partial
    unknown = text(
        client.post("/express/claims/", {**base, "waybill_number": "XTJ799999999998", "reason": "loss"})
    )
    assert 'class="field-error">没有找到运单：XTJ799999999998' in unknown
    blank = text(client.post("/express/claims/", {"reason": "loss"}))
    assert "请填写运单号" in blank and "请填写索赔人姓名" in blank
    assert not Claim.objects.exists()


def test_claim_buttons_move_it_through_its_states_and_refuse_a_jump(net, cast, client):
    w = net.waybill("XTJ700000000011")
    claim = claim_file(brand=net.brand, waybill_number=w.number, claim=LOSS, actor=cast.agent_b)
    url = f"/express/claims/{claim.pk}/state/"
    client.force_login(cast.agent_b)
    jump = text(client.post(url, {"to": "paid"}, headers=HTMX))
    assert "理赔状态不能从“已申告”变为“已赔付”" in jump
    acknowledged = text(client.post(url, {"to": "acknowledged"}, headers=HTMX))
    assert "已受理" in acknowledged and "提出赔偿方案" in acknowledged and "<html" not in acknowledged
    proposed = text(client.post(url, {"to": "proposed", "amount": "10.00"}, headers=HTMX))
    assert "已提出方案" in proposed and "10.00 元" in proposed
    claim.refresh_from_db()
    assert claim.state == "proposed" and claim.agreed_amount == Decimal("10.00")
    negative = text(client.post(url, {"to": "agreed", "amount": "-1"}, headers=HTMX))
    assert "金额（元）：确保该值大于或等于0" in negative and "已提出方案" in negative
    client.force_login(cast.agent_a)
    assert client.post(url, {"to": "agreed"}, headers=HTMX).status_code == 403


# ---------------------------------------------------------------- complaints


def test_a_typed_complaint_opens_its_ticket_with_the_steps(net, cast, client):
    client.force_login(cast.agent_b)
    reply = client.post(
        "/express/complaints/new/",
        {
            "type": "delay",
            "subtype": "out_of_area",
            "waybill_number": "XTJ700000000012",
            "description": "超区未送",
        },
    )
    ticket = Ticket.objects.get()
    assert reply.status_code == 302 and reply["Location"] == f"/tickets/{ticket.number}/"
    assert ticket.type.is_complaint and ticket.subject.startswith("超区因素延误")
    assert "30 分钟内回复客户" in ticket.description


def test_a_complaint_without_content_or_delay_type_is_refused_in_chinese(net, cast, client):
    client.force_login(cast.agent_b)
    empty = text(client.post("/express/complaints/new/", {"type": "service_attitude", "description": ""}))
    assert 'class="field-error">请填写投诉内容' in empty
    delay = text(client.post("/express/complaints/new/", {"type": "delay", "description": "三天没送到"}))
    assert 'class="field-error">延误投诉请选择延误类型' in delay
    assert not Ticket.objects.exists()
