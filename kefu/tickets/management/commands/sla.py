from django.core.management.base import CommandError

from kefu.brands.selectors import brand_get, working_calendar
from kefu.cliargs import EXIT_USAGE
from kefu.command import KefuCommand, dump, parse_when
from kefu.rules.selectors import brand_policies
from kefu.standards import sla
from kefu.standards.sla import shipped_policies
from kefu.tickets.services import sla_sweep
from kefu.timeutil import local_now


class Command(KefuCommand):
    help = "SLA 时限：计算到期时间，或检测超时工单"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="子命令")
        p = sub.add_parser("due", help="某类工单在某时刻开始后的各项到期时间")
        p.add_argument("--brand", help="品牌代码或名称")
        p.add_argument("--type", required=True, help="工单类型，如 投诉")
        p.add_argument("--at", help="开始时间，默认现在 (如 2026-09-30T16:00)")
        p.add_argument(
            "--scope",
            default="domestic",
            choices=["domestic", "hmt", "international"],
            help="寄递范围：domestic 国内（默认）、hmt 港澳台、international 国际",
        )
        p.add_argument(
            "--starts-on",
            default=None,
            choices=sla.STARTS_ON,
            help="只看由该事件开始的时限 (created/handed_off/…)",
        )
        sub.add_parser("sweep", help="检测并记录超时 (幂等，可多节点并行)")

    def handle(self, *args, action, **options):
        if action == "sweep":
            self.stdout.write(dump({"breached": sla_sweep()}))
            return
        brand = brand_get(options["brand"]) if options["brand"] else None
        start = parse_when(options["at"]) if options["at"] else local_now()
        policies = brand_policies(brand) if brand else shipped_policies()  # with the brand's own targets
        try:
            kind = policies.normalize_type(options["type"])
        except ValueError as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from exc
        calendar = working_calendar(brand)
        try:
            targets = policies.targets_for(
                kind,
                brand.code if brand else None,
                starts_on=options["starts_on"],
                scope=options["scope"],
            )
            dues = [sla.compute_due(start, t, calendar) for t in targets]
        except ValueError as exc:  # an unknown --starts-on, a due time past the calendar's years: Chinese
            raise CommandError(str(exc), returncode=EXIT_USAGE) from exc
        self.stdout.write(
            dump(
                {
                    "brand": brand.code if brand else None,
                    "type": policies.type_name(kind),
                    "start": start,
                    "targets": [
                        {
                            "code": t.code,
                            "name": t.name,
                            "clock": t.clock,
                            "amount": t.amount,
                            "unit": t.unit,
                            "starts_on": t.starts_on,
                            "due_at": due,
                            "source": t.source,
                        }
                        for t, due in zip(targets, dues, strict=True)
                    ],
                }
            )
        )
