"""有发无到: what other stations sent here and never arrived, followed up once per parcel (004 第五篇 二 (三))."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command

from kefu.express.models import ArrivalFollowUp, Scan
from kefu.express.services import sent_not_arrived_follow_up
from kefu.tickets.models import Ticket
from kefu.timeutil import local_now
from tests.conftest import at


@pytest.fixture
def sent(net):
    """Three parcels sent to 福清站 on 10-05: one arrived, one from 厦门 and one from 上海 never did."""
    arrived = net.waybill("XTJ500000000004", origin=net.xm, dest=net.fq)
    lost = net.waybill("XTJ500000000005", origin=net.xm, dest=net.fq)
    lost2 = net.waybill("XTJ500000000006", origin=net.sh, dest=net.fq)
    for w, origin in ((arrived, net.xm), (lost, net.xm), (lost2, net.sh)):
        Scan.objects.create(
            waybill=w, kind="发出", at=at("2026-10-05 18:00"), station=origin, next_station=net.fq
        )
    Scan.objects.create(waybill=arrived, kind="到达", at=at("2026-10-06 08:00"), station=net.fq)
    return arrived, lost, lost2


def follow_up(net, cast, **kw):
    return sent_not_arrived_follow_up(
        station=net.fq, since=at("2026-10-01 00:00"), until=at("2026-10-07 00:00"), actor=cast.agent_b, **kw
    )


def test_one_follow_up_per_origin_and_a_second_comparison_opens_nothing_twice(net, cast, sent):
    arrived, lost, lost2 = sent
    opened = follow_up(net, cast)
    assert [t.subject for t in opened] == [
        "有发无到：上海分拨中心 → 福清站 1 件",
        "有发无到：厦门站 → 福清站 1 件",
    ]
    assert lost2.number in opened[0].description and lost.number in opened[1].description
    assert arrived.number not in opened[0].description + opened[1].description
    assert "10-05 18:00 发出" in opened[1].description
    assert follow_up(net, cast) == []
    # a parcel sent later that also never arrives gets its own ticket; the earlier ones are not repeated
    later = net.waybill("XTJ500000000008", origin=net.xm, dest=net.fq)
    Scan.objects.create(
        waybill=later, kind="发出", at=at("2026-10-06 09:00"), station=net.xm, next_station=net.fq
    )
    [third] = follow_up(net, cast)
    assert third.subject == "有发无到：厦门站 → 福清站 1 件"
    assert later.number in third.description and lost.number not in third.description
    assert ArrivalFollowUp.objects.filter(station=net.fq).count() == 3


def test_the_page_lists_missing_parcels_by_origin_and_opens_the_tickets(net, cast, client, sent):
    arrived, lost, lost2 = sent
    client.force_login(cast.agent_b)
    query = {"station": net.fq.pk, "since": "2026-10-01", "until": "2026-10-06"}
    page = re.sub(r"\s+", " ", client.get("/express/arrivals/", query).content.decode())
    assert "厦门站" in page and "上海分拨中心" in page
    assert lost.number in page and lost2.number in page and arrived.number not in page
    assert "开跟进工单（2 件）" in page and page.count("未跟进") == 2
    response = client.post("/express/arrivals/", query, follow=True)
    page = re.sub(r"\s+", " ", response.content.decode())
    tickets = list(Ticket.objects.filter(subject__startswith="有发无到").order_by("number"))
    assert len(tickets) == 2 and "已为 2 个发出站点开跟进工单" in page
    assert all(f'href="/tickets/{t.number}/"' in page for t in tickets)
    assert "开跟进工单（0 件）" in page
    again = client.post("/express/arrivals/", query, follow=True).content.decode()
    assert (
        "没有尚未跟进的有发无到快件" in again
        and Ticket.objects.filter(subject__startswith="有发无到").count() == 2
    )


def test_the_page_says_in_chinese_what_is_wrong_with_the_days(net, cast, client):
    client.force_login(cast.agent_b)
    page = client.get(
        "/express/arrivals/", {"station": net.fq.pk, "since": "2026-10-06", "until": "2026-10-01"}
    )
    assert "结束日期不能早于开始日期" in page.content.decode()
    page = client.get(
        "/express/arrivals/", {"station": net.fq.pk, "since": "2026-08-01", "until": "2026-10-01"}
    )
    assert "一次最多核对 31 天" in page.content.decode()
    client.force_login(cast.agent_a)
    assert client.get("/express/arrivals/").status_code == 403


def test_the_hub_counts_recent_parcels_not_yet_followed_up(net, cast, client):
    yesterday = local_now() - timedelta(days=1)
    w = net.waybill("XTJ500000000009", origin=net.xm, dest=net.fq)
    Scan.objects.create(waybill=w, kind="发出", at=yesterday, station=net.xm, next_station=net.fq)
    client.force_login(cast.agent_b)
    assert re.search(r"有发无到</b><span class=\"count\">1</span>", client.get("/express/").content.decode())
    sent_not_arrived_follow_up(
        station=net.fq, since=yesterday - timedelta(hours=1), until=yesterday + timedelta(hours=1), actor=None
    )
    assert re.search(r"有发无到</b><span class=\"count\">0</span>", client.get("/express/").content.decode())


def test_the_command_lists_then_opens_follow_ups(net, cast, sent, capsys):
    def run(*extra):
        call_command(
            "sent_not_arrived", "--station", "FQ01", "--since", "2026-10-01", "--until", "2026-10-06", *extra
        )
        return capsys.readouterr().out

    out = run()
    assert "福清站 10-01–10-06 发出、至今未到：2 件" in out and "未跟进" in out
    assert not Ticket.objects.filter(subject__startswith="有发无到").exists()
    assert "已开跟进工单 2 张" in run("--open-tickets")
    out = run("--open-tickets")
    assert "已跟进 KF-" in out and "没有尚未跟进的快件，未开新工单。" in out
