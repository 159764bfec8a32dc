"""Shared body of `kefu import-waybills|import-scans|import-fees FILE`."""

import sys

from django.core.management.base import BaseCommand

from kefu.errors import ServiceError
from kefu.express.selectors import express_brand_get
from kefu.express.services import import_file


class ImportCommand(BaseCommand):
    kind = ""
    help = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV、JSON 数组或 JSON Lines 文件")
        parser.add_argument("--brand", default=None, help="品牌代码（默认：第一个经营快递的品牌）")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, file, brand, no_progress, **options):
        try:
            summary = import_file(
                brand=express_brand_get(brand), kind=self.kind, path=file, progress=not no_progress
            )
        except ServiceError as exc:
            print(f"错误：{exc.message}", file=sys.stderr)
            sys.exit(2)
        self.stdout.write(summary.report())
