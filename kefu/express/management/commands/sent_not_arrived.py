import sys
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kefu.errors import ServiceError
from kefu.express.models import Station
from kefu.express.selectors import express_brand_get, sent_not_arrived_by_origin
from kefu.express.services import sent_not_arrived_follow_up
from kefu.timeutil import local_days, local_now


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期格式应为 2026-11-20：{value}") from exc


class Command(BaseCommand):
    help = "有发无到：列出别站发往本站而本站未扫到件的快件；加 --open-tickets 为每个发出站点开跟进工单"

    def add_arguments(self, parser):
        parser.add_argument("--station", required=True, help="本站点代码（应到站点）")
        parser.add_argument("--since", type=_day, default=None, help="发出日期从（默认 7 天前）")
        parser.add_argument("--until", type=_day, default=None, help="发出日期到，含当天（默认昨天）")
        parser.add_argument("--brand", default=None, help="品牌代码（默认：第一个经营快递的品牌）")
        parser.add_argument("--open-tickets", action="store_true", help="为尚未跟进的快件开跟进工单")

    def handle(self, *args, station, since, until, brand, open_tickets, **options):
        today = local_now().date()
        since, until = since or today - timedelta(days=7), until or today - timedelta(days=1)
        if until < since:
            raise CommandError("结束日期不能早于开始日期")
        try:
            target = Station.objects.get(brand=express_brand_get(brand), code=station)
        except Station.DoesNotExist:
            print(f"错误：未知站点：{station}", file=sys.stderr)
            sys.exit(2)
        except ServiceError as exc:
            print(f"错误：{exc.message}", file=sys.stderr)
            sys.exit(2)
        start, end = local_days(since, until)
        groups = sent_not_arrived_by_origin(target, since=start, until=end)
        total = sum(len(group.scans) for group in groups)
        self.stdout.write(f"{target.name} {since:%m-%d}–{until:%m-%d} 发出、至今未到：{total} 件")
        for group in groups:
            self.stdout.write(f"  {group.origin.name}（{group.origin.code}）{len(group.scans)} 件：")
            for scan in group.scans:
                state = f"已跟进 {scan.follow_up}" if scan.follow_up else "未跟进"
                self.stdout.write(
                    f"    {scan.waybill.number}  {timezone.localtime(scan.at):%m-%d %H:%M} 发出  {state}"
                )
        if open_tickets:
            opened = sent_not_arrived_follow_up(station=target, since=start, until=end, actor=None)
            self.stdout.write(
                f"已开跟进工单 {len(opened)} 张：" + "、".join(t.number for t in opened)
                if opened
                else "没有尚未跟进的快件，未开新工单。"
            )
