"""Imports: waybills, scans and face-sheet fees from files, and scans pushed by a sorting center."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kefu.brands.models import Brand
from kefu.errors import ServiceError
from kefu.express import imports


def import_file(
    *, brand: Brand, kind: str, path: Path | str, progress: bool = False
) -> imports.ImportSummary:
    """Import waybills, scans or face-sheet fees from a CSV/JSON file; see kefu.express.imports."""
    if kind not in imports.IMPORTERS:
        raise ServiceError(f"未知的导入类型：{kind}", field="kind")
    file = imports.open_file(path)
    importer = imports.IMPORTERS[kind](brand, file)
    return importer.run(imports.read_rows(file, progress=progress))


def scans_push(*, brand: Brand, rows: list[dict[str, Any]]) -> imports.ImportSummary:
    """A sorting center pushes a batch of scans; rows are numbered from 1 in the reply."""
    return imports.ScanImporter(brand).run((i, imports.canonical(r)) for i, r in enumerate(rows, start=1))
