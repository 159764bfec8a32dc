"""Importing waybills, scans and face-sheet fees from CSV or JSON files of any size.

reading.py streams a file into (line, row) pairs; base.py holds the summary, field parsing and the
batched writes; scans.py and records.py are the importers. A rejected row is listed with its line
number and a Chinese reason and never stops the rest; a re-import stores nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kefu.brands.models import Brand
from kefu.express.imports.base import Importer, ImportSummary, bulk_session
from kefu.express.imports.reading import (
    SNIFF_BYTES,
    canonical,
    check_text_head,
    file_suffix,
    fingerprint,
    open_file,
    read_rows,
)
from kefu.express.imports.records import FeeImporter, WaybillImporter, parse_month
from kefu.express.imports.scans import ScanImporter

IMPORTERS: dict[str, Callable[[Brand, Path], Importer]] = {
    "scans": lambda brand, path: ScanImporter(brand),
    "waybills": lambda brand, path: WaybillImporter(brand),
    "fees": lambda brand, path: FeeImporter(brand, fingerprint(path)),
}

__all__ = [
    "IMPORTERS",
    "SNIFF_BYTES",
    "FeeImporter",
    "ImportSummary",
    "Importer",
    "ScanImporter",
    "WaybillImporter",
    "bulk_session",
    "canonical",
    "check_text_head",
    "file_suffix",
    "open_file",
    "parse_month",
    "read_rows",
]
