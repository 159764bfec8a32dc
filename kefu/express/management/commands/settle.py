from django.core.management.base import CommandError

from kefu.cliargs import EXIT_USAGE
from kefu.command import KefuCommand, writable_file
from kefu.express.imports import parse_month
from kefu.express.selectors import express_brand_get
from kefu.express.settlement import (
    check_month,
    discrepancy_kinds,
    settle_month,
    settlement_xlsx,
    statements_by_area,
)


class Command(KefuCommand):
    help = "月结：为每个月结客户生成当月对账单，与面单费用核对并按价目表重新计算运费，列出差异、漏记和重复"

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="月份，如 2026-10")
        parser.add_argument("--brand", default=None, help="品牌代码（默认：第一个经营快递的品牌）")
        parser.add_argument("--xlsx", default=None, metavar="文件", help="同时导出 Excel 文件到此路径")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, month, brand, xlsx, no_progress, **options):
        first_day = parse_month(month)
        check_month(first_day)  # before the file check and the settlement, as the page and the API do
        path = writable_file(xlsx) if xlsx else None  # checked before the month is settled
        settlement = settle_month(brand=express_brand_get(brand), month=first_day, progress=not no_progress)
        kinds = "、".join(f"{label} {n}" for _, label, n in discrepancy_kinds(settlement))
        self.stdout.write(
            f"{settlement.month:%Y-%m} 月结完成：{settlement.statements.count()} 个月结客户，"
            f"{settlement.waybills} 票运单，合计 {settlement.total} 元，差异 {settlement.problems} 条"
            + (f"（{kinds}）。" if kinds else "。")
        )
        for area, statements in statements_by_area(settlement)[:50]:
            self.stdout.write(
                f"  {area}："
                + "；".join(
                    f"{s.customer.company or s.customer.name} {s.total} 元"
                    + (f"（差异 {s.problems} 条）" if s.problems else "")
                    for s in statements[:20]
                )
            )
        if path:
            try:
                path.write_bytes(settlement_xlsx(settlement))
            except OSError as exc:
                raise CommandError(f"无法写入 {xlsx}：{exc.strerror or exc}", returncode=EXIT_USAGE) from exc
            self.stdout.write(f"已导出：{xlsx}")
