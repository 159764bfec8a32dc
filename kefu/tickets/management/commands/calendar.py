from dataclasses import asdict

from django.core.management.base import BaseCommand, CommandError

from kefu.brands.selectors import brand_get, working_calendar
from kefu.brands.services import calendar_year_load
from kefu.errors import ServiceError
from kefu.standards.calendar import load_schedule_file
from kefu.tickets.management.commands._common import dump, parse_day, parse_when


class Command(BaseCommand):
    help = "中国工作日历：法定节假日、调休与品牌服务时间"

    def add_arguments(self, parser):
        parser.add_argument("--brand", help="按该品牌的服务时间计算工作时长")
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("is-workday", help="某天是否工作日")
        p.add_argument("date")
        p = sub.add_parser("add-working-days", help="某时刻加 N 个工作日")
        p.add_argument("start")
        p.add_argument("days", type=int)
        p = sub.add_parser("add-working-hours", help="某时刻加 N 个服务时间内的工作小时")
        p.add_argument("start")
        p.add_argument("hours", type=float)
        p = sub.add_parser("load-year", help="载入某年官方节假日安排 (YAML/JSON)")
        p.add_argument("file")
        p = sub.add_parser("show-year", help="列出某年的节假日与调休")
        p.add_argument("year", type=int)

    def handle(self, *args, action, brand=None, **options):
        def calendar():
            try:
                return working_calendar(brand_get(brand) if brand else None)
            except ServiceError as exc:
                raise CommandError(exc.message, returncode=2) from exc

        if action == "is-workday":
            day = parse_day(options["date"])
            info = calendar().day_info(day)
            out = {**asdict(info), "estimated": info.source == "estimated"}
        elif action == "add-working-days":
            start = parse_when(options["start"])
            cal = calendar()
            result = cal.add_working_days(start, options["days"])
            out = {
                "start": start,
                "days": options["days"],
                "result": result,
                "estimated": any(cal.coverage(y) == "estimated" for y in {start.year, result.year}),
            }
        elif action == "add-working-hours":
            from datetime import timedelta

            start = parse_when(options["start"])
            result = calendar().add_working_time(start, timedelta(hours=options["hours"]))
            out = {"start": start, "hours": options["hours"], "result": result}
        elif action == "load-year":
            try:
                schedule = load_schedule_file(options["file"])
                row = calendar_year_load(
                    year=schedule.year, schedule=schedule.to_dict(), source=schedule.source
                )
            except (OSError, ValueError, ServiceError) as exc:
                raise CommandError(getattr(exc, "message", str(exc)), returncode=2) from exc
            out = {"year": row.year, "source": row.source, "loaded": True}
        else:
            year = options["year"]
            from datetime import date, timedelta

            cal, d, days = calendar(), date(year, 1, 1), []
            while d.year == year:
                info = cal.day_info(d)
                if info.holiday or info.makeup_workday:
                    days.append(asdict(info))
                d += timedelta(days=1)
            out = {"year": year, "coverage": cal.coverage(year), "days": days}
        self.stdout.write(dump(out))
