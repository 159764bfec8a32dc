from django.core.management.base import BaseCommand, CommandError

from kefu.brands.selectors import brand_get, working_calendar
from kefu.errors import ServiceError
from kefu.standards import sla
from kefu.standards.sla import shipped_policies
from kefu.tickets.management.commands._common import dump, parse_when
from kefu.tickets.services import sla_sweep
from kefu.timeutil import local_now


class Command(BaseCommand):
    help = "SLA 时限：计算到期时间，或检测超时工单"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("due", help="某类工单在某时刻开始后的各项到期时间")
        p.add_argument("--brand", help="品牌代码或名称")
        p.add_argument("--type", required=True, help="工单类型，如 投诉")
        p.add_argument("--at", help="开始时间，默认现在 (如 2026-09-30T16:00)")
        p.add_argument("--scope", default="domestic", choices=["domestic", "hmt", "international"])
        p.add_argument("--starts-on", default=None, help="只看由该事件开始的时限 (created/handed_off/…)")
        sub.add_parser("sweep", help="检测并记录超时 (幂等，可多节点并行)")

    def handle(self, *args, action, **options):
        if action == "sweep":
            self.stdout.write(dump({"breached": sla_sweep()}))
            return
        try:
            brand = brand_get(options["brand"]) if options["brand"] else None
        except ServiceError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        start = parse_when(options["at"]) if options["at"] else local_now()
        policies = shipped_policies()
        if options["type"] not in policies.ticket_types():
            raise CommandError(
                f"未知的工单类型：{options['type']}（可选：{'、'.join(policies.ticket_types())}）",
                returncode=2,
            )
        calendar = working_calendar(brand)
        targets = policies.targets_for(
            options["type"],
            brand.code if brand else None,
            starts_on=options["starts_on"],
            scope=options["scope"],
        )
        self.stdout.write(
            dump(
                {
                    "brand": brand.code if brand else None,
                    "type": options["type"],
                    "start": start,
                    "targets": [
                        {
                            "code": t.code,
                            "name": t.name,
                            "clock": t.clock,
                            "amount": t.amount,
                            "unit": t.unit,
                            "starts_on": t.starts_on,
                            "due_at": sla.compute_due(start, t, calendar),
                            "source": t.source,
                        }
                        for t in targets
                    ],
                }
            )
        )
