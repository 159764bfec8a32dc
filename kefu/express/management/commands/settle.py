import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from kefu.errors import ServiceError
from kefu.express.imports import parse_month
from kefu.express.selectors import express_brand_get
from kefu.express.settlement import discrepancy_kinds, settle_month, settlement_xlsx, statements_by_area


class Command(BaseCommand):
    help = "月结：为每个月结客户生成当月对账单，与面单费用核对并按价目表重新计算运费，列出差异、漏记和重复"

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="月份，如 2026-10")
        parser.add_argument("--brand", default=None, help="品牌代码（默认：第一个经营快递的品牌）")
        parser.add_argument("--xlsx", default=None, help="同时导出 Excel 文件到此路径")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, month, brand, xlsx, no_progress, **options):
        try:
            settlement = settle_month(
                brand=express_brand_get(brand), month=parse_month(month), progress=not no_progress
            )
        except ServiceError as exc:
            print(f"错误：{exc.message}", file=sys.stderr)
            sys.exit(2)
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
        if xlsx:
            Path(xlsx).write_bytes(settlement_xlsx(settlement))
            self.stdout.write(f"已导出：{xlsx}")
