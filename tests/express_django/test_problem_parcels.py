"""Problem parcels (问题件): a ticket of their own whose steps are done in order, the customer told once."""

from datetime import timedelta

import pytest

from kefu.errors import ServiceError
from kefu.express.models import ProblemParcel
from kefu.express.rules import problem_parcel_kinds
from kefu.express.services import problem_advance, problem_report
from tests.conftest import at

REPORTED = "2026-10-08 10:00"
# Every way through every kind: (kind, choice or "" when the kind has none).
PATHS = [(k.code, c.code) for k in problem_parcel_kinds() for c in k.choices] + [
    (k.code, "") for k in problem_parcel_kinds() if not k.choices
]


def report(net, cast, kind, number="XTJ500000000001", **extra):
    w = net.waybill(number, origin=net.fq, dest=net.xm)
    return problem_report(
        waybill=w, kind=kind, station=net.xm, actor=cast.agent_b, eta="10月9日", at=at(REPORTED), **extra
    )


def advance_all(problem, cast, choice=""):
    """Do every applicable step in order, an hour apart, giving the choice at the deciding step."""
    for hour, step in enumerate(problem.steps, start=1):
        problem.refresh_from_db()
        current = next(s for s in problem.steps if s["no"] == step["no"])
        if current["state"] != "pending":
            continue
        problem = problem_advance(
            problem=problem,
            step=current["no"],
            actor=cast.agent_b,
            choice=choice if current["decides"] else "",
            note=f"第{current['no']}步已办",
            at=at(REPORTED) + timedelta(hours=hour),
        )
    return problem


@pytest.mark.parametrize(("kind", "choice"), PATHS, ids=[f"{k}-{c or 'linear'}" for k, c in PATHS])
def test_each_kind_walks_its_steps_in_order_tells_the_customer_once_and_resolves(net, cast, kind, choice):
    problem = report(net, cast, kind)
    ticket = problem.ticket
    assert ticket.type.name == "问题件" and ticket.status == "new"
    assert "上报站点：厦门站；发出站点：福清站" in ticket.description
    assert all(s["state"] == "pending" for s in problem.steps)
    feedback = ticket.clocks.get(code="feedback")
    assert feedback.due_at == at(REPORTED) + timedelta(hours=24) and feedback.met_at is None
    assert not ticket.events.filter(kind="reply").exists()

    problem = advance_all(problem, cast, choice)

    spec = next(k for k in problem_parcel_kinds() if k.code == kind)
    done = [s for s in problem.steps if s["state"] == "done"]
    skipped = [s for s in problem.steps if s["state"] == "not_applicable"]
    assert [s["action"] for s in done] == [s.action for s in spec.steps if s.when in (None, choice or None)]
    assert all(s["when"] not in (None, choice) for s in skipped)
    assert all(s["by"] == cast.agent_b.pk and s["at"] and s["note"] for s in done)
    assert problem.choice == choice
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    notes = [e.body for e in ticket.events.filter(kind="note").order_by("at", "id")]
    assert [n.split("：", 1)[0] for n in notes] == [
        f"问题件第 {s['no']} 步完成（{'派件站点（厦门站）' if s['station'] == 'destination' else '发出站点（福清站）'}）"
        for s in done
    ]
    replies = list(ticket.events.filter(kind="reply"))
    assert len(replies) == 1
    assert replies[0].body == spec.notice(
        choice or None, city="厦门", station="厦门站", station_city="厦门", address="厦门站", eta="10月9日"
    )
    assert ticket.clocks.get(code="feedback").met_at == replies[0].at


def test_a_step_cannot_be_skipped_or_done_twice_and_nothing_is_written(net, cast):
    problem = report(net, cast, "wrong_phone")
    with pytest.raises(ServiceError) as skipped:
        problem_advance(problem=problem, step=2, actor=cast.agent_b)
    assert "请按顺序处理：先完成第 1 步" in skipped.value.message and skipped.value.field == "step"
    problem.refresh_from_db()
    assert all(s["state"] == "pending" for s in problem.steps)
    assert not problem.ticket.events.filter(kind="note").exists()

    problem_advance(problem=problem, step=1, actor=cast.agent_b)
    with pytest.raises(ServiceError, match="第 1 步已经完成"):
        problem_advance(problem=problem, step=1, actor=cast.agent_b)
    with pytest.raises(ServiceError, match="没有第 9 步"):
        problem_advance(problem=problem, step=9, actor=cast.agent_b)
    assert problem.ticket.events.filter(kind="note").count() == 1


def test_out_of_area_self_pickup_is_the_agents_choice_and_rules_out_the_transfer(net, cast):
    problem = report(net, cast, "out_of_area")
    with pytest.raises(ServiceError) as missing:
        problem_advance(problem=problem, step=1, actor=cast.agent_b)
    assert missing.value.message == "请记录收件人的选择：到站自提、转其他快递公司派送（转出）"
    assert missing.value.field == "choice"
    problem = problem_advance(problem=problem, step=1, actor=cast.agent_b, choice="self_pickup")
    assert problem.choice == "self_pickup"
    assert [s["state"] for s in problem.steps] == [
        "done", "pending", "not_applicable", "not_applicable", "not_applicable",
    ]  # fmt: skip
    note = problem.ticket.events.get(kind="note").body
    assert "收件人的选择：到站自提" in note
    notice = problem.ticket.events.get(kind="reply").body
    assert "厦门站自提" in notice and "转其他快递公司" in notice
    with pytest.raises(ServiceError, match="不适用"):
        problem_advance(problem=problem, step=3, actor=cast.agent_b)
    problem = problem_advance(problem=problem, step=2, actor=cast.agent_b)
    assert problem.ticket.status == "resolved"


def test_out_of_area_transfer_goes_through_the_origin_station_and_records_the_other_carriers_number(
    net, cast
):
    net.xm.address = "厦门市思明区湖滨南路 66 号"
    net.xm.save()
    problem = report(net, cast, "out_of_area")
    assert "厦门市思明区湖滨南路 66 号" in problem.notice_values["address"]
    problem = problem_advance(problem=problem, step=1, actor=cast.agent_b, choice="transfer")
    assert [s["state"] for s in problem.steps][1] == "not_applicable"
    for no in (3, 4):
        problem = problem_advance(problem=problem, step=no, actor=cast.agent_b)
    assert problem.ticket.status == "in_progress"
    problem = problem_advance(problem=problem, step=5, actor=cast.agent_b, note="同行单号 SF1234567890123")
    assert problem.ticket.status == "resolved"
    assert problem.ticket.events.filter(kind="note", body__contains="同行单号 SF1234567890123").exists()
    assert problem.ticket.events.filter(kind="note", body__contains="发出站点（福清站）").count() == 1


def test_an_unknown_choice_or_a_choice_at_a_plain_step_is_refused(net, cast):
    problem = report(net, cast, "refused")
    with pytest.raises(ServiceError, match="这一步不需要选择处理方式"):
        problem_advance(problem=problem, step=1, actor=cast.agent_b, choice="return")
    problem_advance(problem=problem, step=1, actor=cast.agent_b)
    with pytest.raises(ServiceError, match="请记录寄件人的决定：退回寄件人、改派新地址"):
        problem_advance(problem=problem, step=2, actor=cast.agent_b, choice="burn")


def test_a_parcel_sent_to_the_wrong_city_needs_the_expected_arrival_and_names_that_city(net, cast):
    w = net.waybill("XTJ500000000009", origin=net.fq, dest=net.sh)
    with pytest.raises(ServiceError) as missing:
        problem_report(waybill=w, kind="wrong_city", station=net.xm, actor=cast.agent_b, eta=" ")
    assert missing.value.field == "eta" and "预计到达时间" in missing.value.message
    assert not ProblemParcel.objects.exists()
    problem = problem_report(waybill=w, kind="wrong_city", station=net.xm, actor=cast.agent_b, eta="明天下午")
    problem = advance_all(problem, cast)
    notice = problem.ticket.events.get(kind="reply").body
    assert "错发到了厦门" in notice and "预计 明天下午 到达" in notice


def test_an_unknown_kind_is_refused_in_chinese(net, cast):
    with pytest.raises(ServiceError, match="未知的问题件类型"):
        report(net, cast, "lost_in_space")


def test_the_api_reports_and_advances_a_parcel_for_its_own_brand_only(net, cast, api_a, api_b):
    w = net.waybill("XTJ500000000010", origin=net.fq, dest=net.xm)
    body = {"waybill_number": w.number, "kind": "out_of_area", "station": "XM01"}
    assert api_a.post("/express/problems", {**body, "brand": "xintianjie"}).status_code == 403
    reply = api_b.post("/express/problems", body)
    assert reply.status_code == 200, reply.content
    problem = reply.json()
    assert problem["kind_name"] == "超出派送范围（超区）" and problem["steps"][0]["state"] == "pending"
    path = f"/express/problems/{problem['id']}/steps"
    skipped = api_b.post(path, {"step": 2})
    assert skipped.status_code == 400 and skipped.json()["field"] == "step"
    assert "先完成第 1 步" in skipped.json()["message"]
    assert api_a.post(path, {"step": 1, "choice": "transfer"}).status_code == 403
    step = api_b.post(path, {"step": 1, "choice": "transfer", "note": "收件人不便自提"}).json()
    assert step["choice"] == "transfer" and step["steps"][0]["state"] == "done"
    assert step["steps"][0]["by"] == str(cast.agent_b) and step["steps"][1]["state"] == "not_applicable"
    assert step["ticket"]["status"] == "in_progress"


def test_the_api_reports_at_the_waybills_destination_when_no_station_is_given(net, cast, api_b):
    w = net.waybill("XTJ500000000011", origin=net.fq, dest=net.xm)
    reply = api_b.post("/express/problems", {"waybill_number": w.number, "kind": "refused"})
    assert reply.status_code == 200, reply.content
    assert ProblemParcel.objects.get(pk=reply.json()["id"]).reported_by == net.xm
    unknown = api_b.post(
        "/express/problems", {"waybill_number": w.number, "kind": "refused", "station": "ZZ9"}
    )
    assert unknown.status_code == 404 and unknown.json()["message"] == "没有找到站点：ZZ9"
