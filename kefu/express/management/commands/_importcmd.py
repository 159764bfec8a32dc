"""Shared body of `kefu import-waybills|import-scans|import-fees FILE`."""

import csv

from django.core.management.base import CommandError

from kefu.cliargs import EXIT_USAGE
from kefu.command import KefuCommand, readable_file
from kefu.express.imports.reading import SNIFF_BYTES, check_text_head
from kefu.express.selectors import express_brand_get
from kefu.express.services import import_file


class ImportCommand(KefuCommand):
    kind = ""
    help = ""

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="文件", help="CSV、JSON 数组或 JSON Lines 文件")
        parser.add_argument("--brand", default=None, help="品牌代码（默认：第一个经营快递的品牌）")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, file, brand, no_progress, **options):
        path = readable_file(file)
        with path.open("rb") as handle:  # the import page checks an upload the same way
            check_text_head(handle.read(SNIFF_BYTES), file)
        try:
            summary = import_file(
                brand=express_brand_get(brand), kind=self.kind, path=path, progress=not no_progress
            )
        except csv.Error as exc:  # rows before it are stored; importing the file again skips them
            raise CommandError(
                f"{file} 无法按 CSV 读取（{exc}），请检查文件内容", returncode=EXIT_USAGE
            ) from exc
        self.stdout.write(summary.report())
