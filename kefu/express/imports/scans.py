"""Scans (巴枪扫描) from files and from the sorting centers' push API: the million-row import.

Each row is checked in a fixed order, so a row with several faults always gets the same reason:
waybill (missing, another carrier's, unknown), then kind, time and station, then duplicates within
the batch, then the next station. The batch's waybills are looked up with a few IN queries; times
repeat a lot in real files and are converted once per distinct value.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from kefu.express.imports.base import (
    Importer,
    RowError,
    db_datetime,
    foreign_reason,
    moment,
    waybill_number,
)
from kefu.express.models import Scan, ScanKind, Waybill
from kefu.express.rules.text import fold
from kefu.express.selectors import own_number_check

KINDS = frozenset(ScanKind.values)
KIND_HINT = "、".join(ScanKind.values)
TIME_CACHE = 100_000
LOOKUP_CHUNK = 5000


class ScanImporter(Importer):
    table = Scan._meta.db_table
    columns = ["waybill_id", "kind", "at", "station_id", "next_station_id", "note"]
    conflict = "waybill_id, kind, at, station_id"

    def __init__(self, brand) -> None:
        super().__init__(brand)
        self.is_own = own_number_check(brand)
        self.to_db = db_datetime()
        self.times: dict[str, Any] = {}

    def prepare(self, batch):
        numbers = [waybill_number(row.get("number")) for _, row in batch]
        ids = _waybill_ids(self.brand.pk, list(set(numbers)))
        stations, reject = self.stations, self.summary.reject
        values, seen = [], set()
        for (line, row), number in zip(batch, numbers, strict=True):
            waybill_id = ids.get(number)
            if waybill_id is None:
                if not number:
                    reject(line, "缺少运单号")
                else:
                    reject(line, f"运单不存在：{number}" if self.is_own(number) else foreign_reason(number))
                continue
            get = row.get
            kind = str(get("kind") or "").strip()
            if kind not in KINDS:
                kind = fold(kind)
                if kind not in KINDS:
                    reject(line, f"未知的扫描类型：{get('kind')}（应为 {KIND_HINT}）")
                    continue
            at = self.time(get("at"))
            if type(at) is RowError:
                reject(line, str(at))
                continue
            code = get("station")
            station = stations.get(code) if type(code) is str else None  # JSON may hold any value here
            if station is None:
                try:
                    station = self.station(row, "station")
                except RowError as exc:
                    reject(line, str(exc))
                    continue
            key = (waybill_id, kind, at, station)
            if key in seen:
                self.summary.skipped += 1
                continue
            seen.add(key)
            next_code = get("next_station")
            next_station = stations.get(next_code) if type(next_code) is str else None
            if next_code and next_station is None:
                try:
                    next_station = self.station(row, "next_station", required=False)
                except RowError as exc:
                    reject(line, str(exc))
                    continue
            note = get("note")
            values.append((waybill_id, kind, at, station, next_station, str(note).strip() if note else ""))
        return values

    def time(self, raw: Any) -> Any:
        """The database value of a scan time, or the RowError explaining why it is not one."""
        cached = self.times.get(raw) if type(raw) is str else None
        if cached is not None:
            return cached
        try:
            value = self.to_db(moment({"at": raw}, "at"))
        except RowError as exc:
            value = exc
        if type(raw) is str:
            if len(self.times) >= TIME_CACHE:
                self.times.clear()
            self.times[raw] = value
        return value


def _waybill_ids(brand_id: int, numbers: list[str]) -> dict[str, int]:
    """Waybill id by number for one batch, a few plain queries through the (brand, number) key."""
    qn = connection.ops.quote_name
    ids: dict[str, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(numbers), LOOKUP_CHUNK):
            chunk = numbers[start : start + LOOKUP_CHUNK]
            cursor.execute(
                f"SELECT {qn('number')}, {qn('id')} FROM {qn(Waybill._meta.db_table)} "
                f"WHERE {qn('brand_id')} = %s AND {qn('number')} IN ({', '.join(['%s'] * len(chunk))})",
                [brand_id, *chunk],
            )
            ids.update(cursor.fetchall())
    return ids
