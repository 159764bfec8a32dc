import argparse
import json
from dataclasses import asdict
from datetime import date, timedelta

import yaml
from django.core.management.base import CommandError

from kefu.brands.selectors import brand_get, working_calendar
from kefu.brands.services import calendar_year_load
from kefu.cliargs import EXIT_USAGE, integer, number
from kefu.command import KefuCommand, dump, parse_day, parse_when, readable_file
from kefu.errors import ServiceError
from kefu.standards.calendar import MAX_YEAR, MIN_YEAR, load_schedule_file
from kefu.standards.rulebook import RulebookFileError

BRAND_HELP = "按该品牌的服务时间与节假日计算（品牌代码或名称）"


class Command(KefuCommand):
    help = "中国工作日历：法定节假日、调休与品牌服务时间"

    def add_arguments(self, parser):
        # --brand is taken before the action (kefu calendar --brand B …) and, as the README writes it, after it.
        parser.add_argument("--brand", default=None, help=BRAND_HELP)
        brand = argparse.ArgumentParser(add_help=False)
        brand.add_argument("--brand", default=argparse.SUPPRESS, help=BRAND_HELP)
        sub = parser.add_subparsers(dest="action", required=True, metavar="子命令")
        p = sub.add_parser("is-workday", help="某天是否工作日", parents=[brand])
        p.add_argument("date", metavar="日期", help="如 2026-10-10")
        p = sub.add_parser("add-working-days", help="某时刻加 N 个工作日", parents=[brand])
        p.add_argument("start", metavar="时刻", help="如 2026-09-30T16:00（北京时间）")
        p.add_argument("days", metavar="天数", type=integer(minimum=0, maximum=3650))
        p = sub.add_parser("add-working-hours", help="某时刻加 N 个服务时间内的工作小时", parents=[brand])
        p.add_argument("start", metavar="时刻", help="如 2026-09-30T16:00（北京时间）")
        p.add_argument("hours", metavar="小时数", type=number(minimum=0))
        p = sub.add_parser("load-year", help="载入某年官方节假日安排 (YAML/JSON)")
        p.add_argument("file", metavar="文件", help="YAML 或 JSON：year、source、holidays、workdays")
        p = sub.add_parser("show-year", help="列出某年的节假日与调休", parents=[brand])
        p.add_argument("year", metavar="年份", type=integer(minimum=MIN_YEAR, maximum=MAX_YEAR))

    def handle(self, *args, action, brand=None, **options):
        def calendar():
            return working_calendar(brand_get(brand) if brand else None)

        try:
            out = getattr(self, action.replace("-", "_"))(calendar, **options)
        except (
            ValueError
        ) as exc:  # the calendar's own refusals are Chinese sentences (kefu.standards.calendar)
            raise CommandError(str(exc), returncode=EXIT_USAGE) from exc
        except OverflowError as exc:
            raise CommandError("结果超出了可计算的时间范围", returncode=EXIT_USAGE) from exc
        self.stdout.write(dump(out))

    def is_workday(self, calendar, *, date, **options):
        day = parse_day(date)  # the argument is checked before the database is asked
        info = calendar().day_info(day)
        return {**asdict(info), "estimated": info.source == "estimated"}

    def add_working_days(self, calendar, *, start, days, **options):
        start, cal = parse_when(start), calendar()
        result = cal.add_working_days(start, days)
        return {
            "start": start,
            "days": days,
            "result": result,
            "estimated": any(cal.coverage(y) == "estimated" for y in {start.year, result.year}),
        }

    def add_working_hours(self, calendar, *, start, hours, **options):
        start = parse_when(start)
        result = calendar().add_working_time(start, timedelta(hours=hours))
        return {"start": start, "hours": hours, "result": result}

    def load_year(self, calendar, *, file, **options):
        path = readable_file(file)
        try:
            schedule = load_schedule_file(path)
        except ValueError as exc:
            raise CommandError(_schedule_error(path.name, exc), returncode=EXIT_USAGE) from exc
        try:
            row = calendar_year_load(year=schedule.year, schedule=schedule.to_dict(), source=schedule.source)
        except ServiceError as exc:
            raise CommandError(exc.message, returncode=EXIT_USAGE) from exc
        return {"year": row.year, "source": row.source, "loaded": True}

    def show_year(self, calendar, *, year, **options):
        cal, d, days = calendar(), date(year, 1, 1), []
        while d.year == year:
            info = cal.day_info(d)
            if info.holiday or info.makeup_workday:
                days.append(asdict(info))
            d += timedelta(days=1)
        return {"year": year, "coverage": cal.coverage(year), "days": days}


def _schedule_error(name: str, exc: ValueError) -> str:
    """The calendar's message, with the reading errors (English from the codecs and parsers) said in Chinese."""
    cause = exc.__cause__
    if isinstance(cause, RulebookFileError) and cause.__cause__ is not None:
        cause = cause.__cause__  # what the one rulebook reader met
    if isinstance(cause, UnicodeDecodeError):
        return f"无法读取节假日安排文件 {name}：不是 UTF-8 编码的文本"
    if isinstance(cause, json.JSONDecodeError):
        return f"节假日安排文件 {name} 不是有效的 JSON：第 {cause.lineno} 行第 {cause.colno} 列"
    if isinstance(cause, yaml.YAMLError):
        mark = getattr(cause, "problem_mark", None)
        where = f"：第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else ""
        return f"节假日安排文件 {name} 不是有效的 YAML{where}"
    if isinstance(cause, OSError):
        return f"无法读取节假日安排文件 {name}：{cause.strerror or cause}"
    return str(exc)
