"""Shared body of `kefu import-waybills|import-scans|import-fees FILE`."""

import csv

from django.core.management.base import CommandError

from kefu.cliargs import EXIT_USAGE
from kefu.command import KefuCommand, readable_file
from kefu.express.selectors import express_brand_get
from kefu.express.services import import_file

SNIFF_BYTES = 8192


def _looks_binary(head: bytes) -> bool:
    """A file that is not text at all (an image, an .xlsx, a zip renamed .csv): many NUL or control bytes.

    A text file with a stray control character passes; the importer rejects that row by its line number."""
    controls = sum(1 for b in head if b < 32 and b not in b"\t\n\r\f")
    return controls / len(head) > 0.05


class ImportCommand(KefuCommand):
    kind = ""
    help = ""

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="文件", help="CSV、JSON 数组或 JSON Lines 文件")
        parser.add_argument("--brand", default=None, help="品牌代码（默认：第一个经营快递的品牌）")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, file, brand, no_progress, **options):
        path = readable_file(file)
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
        if not head:
            raise CommandError(f"{file} 是空文件", returncode=EXIT_USAGE)
        if _looks_binary(head):
            raise CommandError(
                f"{file} 不是文本文件（应为 UTF-8 或 GBK 编码的 CSV、JSON 或 JSON Lines）",
                returncode=EXIT_USAGE,
            )
        try:
            summary = import_file(
                brand=express_brand_get(brand), kind=self.kind, path=path, progress=not no_progress
            )
        except csv.Error as exc:  # rows before it are stored; importing the file again skips them
            raise CommandError(
                f"{file} 无法按 CSV 读取（{exc}），请检查文件内容", returncode=EXIT_USAGE
            ) from exc
        self.stdout.write(summary.report())
