"""What every importer shares: the summary, field parsing with Chinese reasons, and batched writes.

Rows are validated a batch at a time into plain tuples and written with one multi-row executemany
per batch inside a transaction; rows already stored (same waybill number, same scan, same file line)
are skipped by the database's ON CONFLICT DO NOTHING, so importing a file again stores nothing twice.
At a million rows the ORM's per-object overhead would be the whole cost (docs/PERFORMANCE.md).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from kefu.brands.models import Brand
from kefu.express.imports.reading import ALIASES
from kefu.express.models import Station
from kefu.express.rules import identify_waybill, normalise_waybill

SH = ZoneInfo("Asia/Shanghai")
BATCH = 20000
MAX_REJECTED_LISTED = 1000
BULK_CACHE_KIB = 256 * 1024

LABELS = {v: k for k, v in reversed(list(ALIASES.items()))}
LABELS.update({"number": "运单号", "kind": "扫描类型", "at": "扫描时间", "station": "站点"})


class RowError(Exception):
    """A row that cannot be stored; the message is Chinese and names the field."""


@dataclass
class ImportSummary:
    read: int = 0
    stored: int = 0
    skipped: int = 0  # valid rows already stored before (re-import)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    rejected_count: int = 0

    def reject(self, line: int, reason: str) -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_REJECTED_LISTED:
            self.rejected.append((line, reason))

    def to_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "stored": self.stored,
            "skipped": self.skipped,
            "rejected_count": self.rejected_count,
            "rejected": [{"line": line, "reason": reason} for line, reason in self.rejected],
        }

    def report(self) -> str:
        lines = [
            f"读取 {self.read} 行，新存入 {self.stored} 行，已存在跳过 {self.skipped} 行，拒收 {self.rejected_count} 行。"
        ]
        lines += [f"  第 {line} 行：{reason}" for line, reason in self.rejected]
        if self.rejected_count > len(self.rejected):
            lines.append(f"  …… 另有 {self.rejected_count - len(self.rejected)} 行被拒收，未逐条列出")
        return "\n".join(lines)


# ---------------------------------------------------------------- field parsing


def text(row: dict[str, Any], key: str, *, required: bool = False, max_length: int = 200) -> str:
    value = row.get(key)
    result = "" if value is None else str(value).strip()
    if required and not result:
        raise RowError(f"缺少{LABELS.get(key, key)}")
    if len(result) > max_length:
        raise RowError(f"{LABELS.get(key, key)}过长")
    return result


def decimal(row: dict[str, Any], key: str, *, required: bool = True, digits: int = 10) -> Decimal | None:
    """A non-negative number with at most `digits` digits before the point (what its column holds)."""
    value = row.get(key)
    if value in (None, ""):
        if required:
            raise RowError(f"缺少{LABELS.get(key, key)}")
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise RowError(f"{LABELS.get(key, key)}不是数字：{value}") from exc
    if not number.is_finite() or number < 0:
        raise RowError(f"{LABELS.get(key, key)}不能为负数：{value}")
    if number >= 10**digits:
        raise RowError(f"{LABELS.get(key, key)}过大：{value}")
    return number


def moment(row: dict[str, Any], key: str) -> datetime:
    value = text(row, key, required=True)
    try:
        result = datetime.fromisoformat(value)
    except ValueError as exc:
        raise RowError(f"{LABELS.get(key, key)}格式不正确：{value}（应为 2026-10-01 08:30）") from exc
    return result if result.tzinfo else result.replace(tzinfo=SH)


def money(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.01"))


def waybill_number(value: Any) -> str:
    raw = str(value or "").strip()
    if raw.isascii() and raw.isalnum():
        return raw.upper()
    return normalise_waybill(raw)


def foreign_reason(number: str) -> str:
    """Why a number that is not one of ours is refused: another carrier's (同行单号), or no format at all."""
    ident = identify_waybill(number)
    if ident.candidates and not any(c.own for c in ident.candidates):
        names = "、".join(c.name for c in ident.candidates)
        return f"同行单号：{number} 是{names}的单号格式，不是本公司运单"
    return f"运单号格式不正确：{number}"


def db_datetime() -> Callable[[datetime], Any]:
    """How an aware datetime is written by this connection's backend."""
    if connection.vendor == "sqlite":
        # what Django's SQLite backend stores: naive UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]"
        return lambda value: str(value.astimezone(UTC).replace(tzinfo=None))
    return connection.ops.adapt_datetimefield_value


# ---------------------------------------------------------------- writing


def insert(table: str, columns: list[str], rows: list[tuple], conflict: str) -> int:
    """Insert rows, skipping those that conflict with a stored row; returns how many were stored.

    The count is the statement's own: sqlite3 and psycopg 3 both add up ``executemany``'s rowcount over its
    rows (each INSERT's own result, 0 for a row ON CONFLICT DO NOTHING skipped). Never a count of the table:
    that costs a scan of the whole table per batch on PostgreSQL and takes in the rows other connections
    (scan pushes, another import) commit in the meantime.
    """
    if not rows:
        return 0
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) ON CONFLICT ({conflict}) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        if cursor.rowcount < 0:  # a driver that does not count executemany (psycopg 2): never guess
            raise RuntimeError("数据库驱动未返回写入行数，无法统计导入结果")
        return cursor.rowcount


def bulk_session() -> None:
    """Give this SQLite connection a page cache large enough for million-row indexes (default is 2 MB)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")


class Importer(ABC):
    """Shared loop: validate rows into tuples, flush a batch at a time inside a transaction."""

    table = ""
    columns: list[str] = []
    conflict = ""

    def __init__(self, brand: Brand) -> None:
        self.brand = brand
        self.summary = ImportSummary()
        self.stations = {s.code: s.pk for s in Station.objects.filter(brand=brand)}

    def station(self, row: dict[str, Any], key: str, *, required: bool = True) -> int | None:
        code = text(row, key, required=required)
        if not code:
            return None
        if code not in self.stations:
            raise RowError(f"未知站点：{code}")
        return self.stations[code]

    @abstractmethod
    def prepare(self, batch: list[tuple[int, dict[str, Any]]]) -> list[tuple]:
        """Validate a batch into insertable tuples, rejecting bad rows into the summary."""

    def run(self, rows: Iterable[tuple[int, dict[str, Any] | str | None]]) -> ImportSummary:
        bulk_session()
        batch: list[tuple[int, dict[str, Any]]] = []
        for line, row in rows:
            self.summary.read += 1
            if not isinstance(row, dict):  # the reader says why (or None: nothing more to say)
                self.summary.reject(line, row or "无法解析这一行")
                continue
            batch.append((line, row))
            if len(batch) >= BATCH:
                self.flush(batch)
                batch = []
        self.flush(batch)
        return self.summary

    def flush(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        if not batch:
            return
        values = self.prepare(batch)
        with transaction.atomic():
            stored = insert(self.table, self.columns, values, self.conflict)
        self.summary.stored += stored
        self.summary.skipped += len(values) - stored
