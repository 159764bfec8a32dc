from datetime import timedelta

from django.core.management.base import CommandError
from django.utils import timezone

from kefu.cliargs import EXIT_USAGE
from kefu.command import KefuCommand, parse_day
from kefu.express.models import Station
from kefu.express.selectors import express_brand_get, sent_not_arrived_by_origin
from kefu.express.services import sent_not_arrived_follow_up
from kefu.timeutil import local_days, local_now


class Command(KefuCommand):
    help = "有发无到：列出别站发往本站而本站未扫到件的快件；加 --open-tickets 为每个发出站点开跟进工单"

    def add_arguments(self, parser):
        parser.add_argument("--station", required=True, metavar="站点代码", help="本站点代码（应到站点）")
        parser.add_argument(
            "--since", default=None, metavar="日期", help="发出日期从，如 2026-11-17（默认 7 天前）"
        )
        parser.add_argument("--until", default=None, metavar="日期", help="发出日期到，含当天（默认昨天）")
        parser.add_argument("--brand", default=None, help="品牌代码（默认：第一个经营快递的品牌）")
        parser.add_argument("--open-tickets", action="store_true", help="为尚未跟进的快件开跟进工单")

    def handle(self, *args, station, since, until, brand, open_tickets, **options):
        today = local_now().date()
        since = parse_day(since) if since else today - timedelta(days=7)
        until = parse_day(until) if until else today - timedelta(days=1)
        if until < since:
            raise CommandError(f"结束日期 {until} 不能早于开始日期 {since}", returncode=EXIT_USAGE)
        try:
            target = Station.objects.get(brand=express_brand_get(brand), code=station)
        except Station.DoesNotExist:
            raise CommandError(f"未知站点：{station}", returncode=EXIT_USAGE) from None
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
