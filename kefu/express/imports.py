"""Importing waybills, scans and face-sheet fees from CSV or JSON files of any size.

Files are read as a stream (CSV, JSON Lines, or one JSON array read element by element), validated
row by row and written in batches. A rejected row is listed with its line number and a Chinese reason
and never stops the rest; rows already stored (same waybill number, same scan, same file line) are
skipped by the database's ON CONFLICT DO NOTHING, so importing a file again stores nothing twice.
Inserts use one multi-row executemany per batch: at a million rows the ORM's per-object overhead
is the whole cost (see docs/PERFORMANCE.md).
"""

from __future__ import annotations

import csv
import hashlib
import json
import queue
import re
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from tqdm import tqdm

from kefu.brands.models import Brand
from kefu.customers.models import Customer
from kefu.errors import ServiceError
from kefu.express.models import FeeRecord, Payment, Scan, ScanKind, Station, Waybill
from kefu.express.rules import identify_waybill, normalise_waybill
from kefu.express.rules.text import fold
from kefu.express.selectors import own_number_check

SH = ZoneInfo("Asia/Shanghai")
BATCH = 20000
MAX_REJECTED_LISTED = 1000
BULK_CACHE_KIB = 256 * 1024

# Column names accepted in files: the English key, or its Chinese header.
ALIASES = {
    "运单号": "number",
    "单号": "number",
    "扫描类型": "kind",
    "类型": "kind",
    "扫描时间": "at",
    "时间": "at",
    "站点": "station",
    "站点代码": "station",
    "下一站": "next_station",
    "备注": "note",
    "寄件人": "sender_name",
    "寄件人电话": "sender_phone",
    "寄件地址": "sender_address",
    "收件人": "recipient_name",
    "收件人电话": "recipient_phone",
    "收件地址": "recipient_address",
    "始发站": "origin",
    "目的站": "destination",
    "品名": "item_name",
    "件数": "pieces",
    "重量": "weight_kg",
    "体积": "volume_cm3",
    "声明价值": "declared_value",
    "保价": "insured",
    "运费": "freight",
    "保价费": "insurance_fee",
    "付款方式": "payment",
    "月结合同号": "contract_code",
    "收寄时间": "shipped_at",
    "费用": "amount",
    "面单费用": "amount",
    "月份": "month",
}
PAYMENTS = {
    "寄付": Payment.SENDER,
    "到付": Payment.RECIPIENT,
    "月结": Payment.MONTHLY,
    **{p.value: p.value for p in Payment},
}
TRUE = {"1", "true", "yes", "是", "y"}


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


# ---------------------------------------------------------------- reading files


def _byte_lines(handle: IO[bytes], bar: tqdm) -> Iterator[str]:
    pending = 0
    for number, raw in enumerate(handle):
        pending += len(raw)
        if number % 4096 == 0:
            bar.update(pending)
            pending = 0
        yield raw.decode("utf-8-sig") if number == 0 else raw.decode("utf-8")
    bar.update(pending)


def _canonical(row: dict[str, Any]) -> dict[str, Any]:
    return {ALIASES.get(str(k).strip(), str(k).strip()): v for k, v in row.items() if k is not None}


def _json_array(lines: Iterator[str]) -> Iterator[tuple[int, Any]]:
    """Elements of one JSON array, read incrementally; numbered from 1 (第 N 条)."""
    decoder = json.JSONDecoder(parse_float=Decimal)
    buffer, index, started = "", 0, False
    for chunk in lines:
        buffer += chunk
        while True:
            stripped = buffer.lstrip()
            if not started:
                if not stripped:
                    break
                if stripped[0] != "[":
                    raise ServiceError("JSON 文件应为一个数组，或每行一个对象（JSON Lines）", field="file")
                buffer, started = stripped[1:], True
                continue
            stripped = stripped.lstrip(",").lstrip()
            if not stripped or stripped[0] == "]":
                buffer = stripped
                break
            try:
                value, end = decoder.raw_decode(stripped)
            except json.JSONDecodeError:
                buffer = stripped
                break  # need more text
            index += 1
            buffer = stripped[end:]
            yield index, value
    if buffer.strip() not in ("", "]"):
        index += 1
        yield index, None


def read_rows(path: Path, *, progress: bool = True) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """(line number, row) for each row of a CSV, JSON Lines or JSON array file; None for an unreadable row."""
    size = path.stat().st_size
    with (
        path.open("rb") as handle,
        tqdm(
            total=size,
            unit="B",
            unit_scale=True,
            desc=path.name,
            file=sys.stderr,
            disable=not progress,
            leave=False,
        ) as bar,
    ):
        lines = _byte_lines(handle, bar)
        if path.suffix.lower() == ".csv":
            reader = csv.reader(lines)
            header = [ALIASES.get(h.strip(), h.strip()) for h in next(reader, [])]
            width = len(header)
            for row in reader:
                if not row:
                    continue
                if len(row) > width:
                    yield reader.line_num, None
                    continue
                yield reader.line_num, dict(zip(header, row, strict=False))
            return
        first = next(lines, "")
        if first.lstrip().startswith("["):
            for index, value in _json_array(_chain(first, lines)):
                yield index, _canonical(value) if isinstance(value, dict) else None
            return
        for number, text in enumerate(_chain(first, lines), start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text, parse_float=Decimal)
            except json.JSONDecodeError:
                yield number, None
                continue
            yield number, _canonical(value) if isinstance(value, dict) else None


def _chain(first: str, rest: Iterable[str]) -> Iterator[str]:
    yield first
    yield from rest


# ---------------------------------------------------------------- field parsing


def _text(row: dict[str, Any], key: str, *, required: bool = False, max_length: int = 200) -> str:
    value = row.get(key)
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise RowError(f"缺少{_LABELS.get(key, key)}")
    if len(text) > max_length:
        raise RowError(f"{_LABELS.get(key, key)}过长")
    return text


def _decimal(row: dict[str, Any], key: str, *, required: bool = True) -> Decimal | None:
    value = row.get(key)
    if value in (None, ""):
        if required:
            raise RowError(f"缺少{_LABELS.get(key, key)}")
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise RowError(f"{_LABELS.get(key, key)}不是数字：{value}") from exc
    if not number.is_finite() or number < 0:
        raise RowError(f"{_LABELS.get(key, key)}不能为负数：{value}")
    return number


def _moment(row: dict[str, Any], key: str) -> datetime:
    value = _text(row, key, required=True)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise RowError(f"{_LABELS.get(key, key)}格式不正确：{value}（应为 2026-10-01 08:30）") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=SH)


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.01"))


_LABELS = {v: k for k, v in reversed(list(ALIASES.items()))}
_LABELS.update({"number": "运单号", "kind": "扫描类型", "at": "扫描时间", "station": "站点"})


# ---------------------------------------------------------------- writing


def _insert(table: str, columns: list[str], rows: list[tuple], conflict: str) -> int:
    """Insert rows, skipping those that conflict with a stored row; returns how many were stored."""
    if not rows:
        return 0
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) ON CONFLICT ({conflict}) DO NOTHING"
    )
    with connection.cursor() as cursor:
        before = _count(cursor, table) if connection.vendor != "sqlite" else 0
        cursor.executemany(sql, rows)
        if connection.vendor == "sqlite":
            return max(cursor.rowcount, 0)
        return _count(cursor, table) - before


def bulk_session() -> None:
    """Give this SQLite connection a page cache large enough for million-row indexes (default is 2 MB)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")


def _count(cursor, table: str) -> int:
    # psycopg does not sum rowcount over executemany; the batch runs in one transaction, so the
    # difference of the table's size is exactly what this batch stored.
    cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
    return int(cursor.fetchone()[0])


def _dt(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _sqlite_datetime(value: datetime) -> str:
    # what Django's SQLite backend stores for an aware datetime: naive UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]"
    return str(value.astimezone(UTC).replace(tzinfo=None))


def _db_datetime() -> Callable[[datetime], Any]:
    return _sqlite_datetime if connection.vendor == "sqlite" else _dt


def _number(value: Any) -> str:
    text = str(value or "").strip()
    if text.isascii() and text.isalnum():
        return text.upper()
    return normalise_waybill(text)


KIND_VALUES = frozenset(ScanKind.values)


def _foreign_reason(number: str) -> str:
    ident = identify_waybill(number)
    if ident.candidates and not any(c.own for c in ident.candidates):
        names = "、".join(c.name for c in ident.candidates)
        return f"同行单号：{number} 是{names}的单号格式，不是本公司运单"
    return f"运单号格式不正确：{number}"


class _Importer(ABC):
    """Shared loop: validate rows into tuples, flush a batch at a time inside a transaction."""

    table = ""
    columns: list[str] = []
    conflict = ""

    def __init__(self, brand: Brand) -> None:
        self.brand = brand
        self.summary = ImportSummary()
        self.stations = {s.code: s.pk for s in Station.objects.filter(brand=brand)}

    def station(self, row: dict[str, Any], key: str, *, required: bool = True) -> int | None:
        code = _text(row, key, required=required)
        if not code:
            return None
        if code not in self.stations:
            raise RowError(f"未知站点：{code}")
        return self.stations[code]

    @abstractmethod
    def prepare(self, batch: list[tuple[int, dict[str, Any]]]) -> list[tuple]:
        """Validate a batch into insertable tuples, rejecting bad rows into the summary."""

    def run(self, rows: Iterable[tuple[int, dict[str, Any] | None]]) -> ImportSummary:
        bulk_session()
        batch: list[tuple[int, dict[str, Any]]] = []
        for line, row in rows:
            self.summary.read += 1
            if row is None:
                self.summary.reject(line, "无法解析这一行")
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
            stored = _insert(self.table, self.columns, values, self.conflict)
        self.summary.stored += stored
        self.summary.skipped += len(values) - stored


class ScanImporter(_Importer):
    """Scans are the million-row import: parsing overlaps writing.

    A reader thread parses and checks each row (pure Python: number, kind, time, stations) while the
    main thread, which owns the database connection, looks up the batch's waybills and runs the INSERT
    (sqlite3 releases the GIL while SQLite works). Checks keep the original order, so every row gets
    the same reason as before: waybill first, then kind, time and station, then duplicates, then the
    next station.
    """

    table = Scan._meta.db_table
    columns = ["waybill_id", "kind", "at", "station_id", "next_station_id", "note"]
    conflict = "waybill_id, kind, at, station_id"

    def run(self, rows: Iterable[tuple[int, dict[str, Any] | None]]) -> ImportSummary:
        bulk_session()
        parsed: queue.Queue = queue.Queue(maxsize=2)
        stop = threading.Event()
        reader = threading.Thread(
            target=self._read, args=(rows, _db_datetime(), parsed, stop), daemon=True, name="scan-reader"
        )
        reader.start()
        try:
            while True:
                item = parsed.get()
                if isinstance(item, BaseException):
                    raise item
                if item is None:
                    break
                read, unreadable, batch = item
                self.summary.read += read
                for line in unreadable:
                    self.summary.reject(line, "无法解析这一行")
                self.flush(batch)
        finally:
            stop.set()
            while reader.is_alive():  # unblock a reader waiting on a full queue
                try:
                    parsed.get_nowait()
                except queue.Empty:
                    reader.join(0.05)
        return self.summary

    def _read(self, rows, to_db, out: queue.Queue, stop: threading.Event) -> None:
        """Reader thread: parse rows into batches of plain tuples; never touches the database."""
        try:
            stations, kinds, times = self.stations, KIND_VALUES, {}
            read, unreadable, batch = 0, [], []
            for line, row in rows:
                read += 1
                if row is None:
                    unreadable.append(line)
                    continue
                get = row.get
                error = next_error = None
                kind = at = station = next_station = None
                raw_kind = get("kind")
                kind = str(raw_kind or "").strip()
                if kind not in kinds:
                    kind = fold(kind)
                    if kind not in kinds:
                        error = f"未知的扫描类型：{raw_kind}（应为 {'、'.join(ScanKind.values)}）"
                if error is None:
                    raw_at = get("at")
                    at = times.get(raw_at) if type(raw_at) is str else None
                    if at is None:
                        at = _scan_time(raw_at, to_db)
                        if type(raw_at) is str:
                            if len(times) >= TIME_CACHE:
                                times.clear()
                            times[raw_at] = at
                    if type(at) is RowError:
                        error = str(at)
                if error is None:
                    code = get("station")
                    station = stations.get(code) if code else None
                    if station is None:
                        try:
                            station = self.station(row, "station")
                        except RowError as exc:
                            error = str(exc)
                if error is None:
                    next_code = get("next_station")
                    if next_code:
                        next_station = stations.get(next_code)
                        if next_station is None:
                            try:
                                next_station = self.station(row, "next_station")
                            except RowError as exc:
                                next_error = str(exc)
                note = get("note")
                batch.append(
                    (
                        line,
                        _number(get("number")),
                        error,
                        kind,
                        at,
                        station,
                        next_error,
                        next_station,
                        str(note).strip() if note else "",
                    )
                )
                if len(batch) >= BATCH:
                    if not _put(out, (read, unreadable, batch), stop):
                        return
                    read, unreadable, batch = 0, [], []
            if read and not _put(out, (read, unreadable, batch), stop):
                return
            _put(out, None, stop)
        except BaseException as exc:  # handed to the main thread, which raises it
            _put(out, exc, stop)

    def prepare(self, batch):
        ids = _waybill_ids(self.brand.pk, list({item[1] for item in batch}))
        values, seen, reject = [], set(), self.summary.reject
        for line, number, error, kind, at, station, next_error, next_station, note in batch:
            waybill_id = ids.get(number)
            if waybill_id is None:
                if not number:
                    reject(line, "缺少运单号")
                else:
                    is_own = own_number_check(self.brand)(number)
                    reject(line, f"运单不存在：{number}" if is_own else _foreign_reason(number))
                continue
            if error is not None:
                reject(line, error)
                continue
            key = (waybill_id, kind, at, station)
            if key in seen:
                self.summary.skipped += 1
                continue
            seen.add(key)
            if next_error is not None:
                reject(line, next_error)
                continue
            values.append((waybill_id, kind, at, station, next_station, note))
        return values


TIME_CACHE = 100_000
LOOKUP_CHUNK = 5000


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


def _scan_time(raw: Any, to_db: Callable[[datetime], Any]) -> Any:
    """The database value of a scan time, or the RowError explaining why it is not one."""
    try:
        return to_db(_moment({"at": raw}, "at"))
    except RowError as exc:
        return exc


def _put(out: queue.Queue, item: Any, stop: threading.Event) -> bool:
    """Hand an item to the main thread unless it has stopped listening."""
    while not stop.is_set():
        try:
            out.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


class WaybillImporter(_Importer):
    table = Waybill._meta.db_table
    columns = [
        "brand_id",
        "number",
        "sender_name",
        "sender_phone",
        "sender_address",
        "recipient_name",
        "recipient_phone",
        "recipient_address",
        "origin_id",
        "destination_id",
        "item_name",
        "pieces",
        "weight_kg",
        "volume_cm3",
        "declared_value",
        "insured",
        "freight",
        "insurance_fee",
        "payment",
        "contract_customer_id",
        "shipped_at",
    ]
    conflict = "brand_id, number"

    def __init__(self, brand: Brand) -> None:
        super().__init__(brand)
        self.is_own = own_number_check(brand)
        self.to_db = _db_datetime()
        self.contracts = dict(
            Customer.objects.filter(brand=brand).exclude(contract_code="").values_list("contract_code", "id")
        )

    def prepare(self, batch):
        values, seen = [], set()
        for line, row in batch:
            try:
                number = _number(row.get("number")) or _text(row, "number", required=True)
                if not self.is_own(number):
                    raise RowError(_foreign_reason(number))
                if number in seen:
                    raise RowError(f"运单号在文件中重复：{number}")
                payment = PAYMENTS.get(_text(row, "payment") or "寄付")
                if payment is None:
                    raise RowError(f"付款方式应为 寄付、到付 或 月结：{row.get('payment')}")
                contract = _text(row, "contract_code")
                customer = self.contracts.get(contract) if contract else None
                if contract and customer is None:
                    raise RowError(f"未知的月结合同号：{contract}")
                if payment == Payment.MONTHLY and customer is None:
                    raise RowError("月结运单必须填写月结合同号")
                pieces_text = _text(row, "pieces") or "1"
                if not pieces_text.isdigit() or int(pieces_text) < 1:
                    raise RowError(f"件数应为正整数：{pieces_text}")
                volume = _decimal(row, "volume_cm3", required=False)
                values.append(
                    (
                        self.brand.pk,
                        number,
                        _text(row, "sender_name", max_length=50),
                        _text(row, "sender_phone", max_length=20),
                        _text(row, "sender_address"),
                        _text(row, "recipient_name", max_length=50),
                        _text(row, "recipient_phone", max_length=20),
                        _text(row, "recipient_address"),
                        self.station(row, "origin"),
                        self.station(row, "destination"),
                        _text(row, "item_name", max_length=100),
                        int(pieces_text),
                        _money(_decimal(row, "weight_kg")),
                        None if volume is None else int(volume),
                        _money(_decimal(row, "declared_value", required=False)),
                        _text(row, "insured").lower() in TRUE,
                        _money(_decimal(row, "freight")),
                        _money(_decimal(row, "insurance_fee", required=False)) or Decimal("0.00"),
                        payment,
                        customer,
                        self.to_db(_moment(row, "shipped_at")),
                    )
                )
                seen.add(number)
            except RowError as exc:
                self.summary.reject(line, str(exc))
        return values


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_month(text: str) -> date:
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ServiceError(f"月份格式应为 2026-10：{text}", field="month")
    return date(int(match.group(1)), int(match.group(2)), 1)


class FeeImporter(_Importer):
    table = FeeRecord._meta.db_table
    columns = ["brand_id", "number", "contract_code", "amount", "month", "source", "line"]
    conflict = "brand_id, source, line"

    def __init__(self, brand: Brand, fingerprint: str) -> None:
        super().__init__(brand)
        self.fingerprint = fingerprint

    def prepare(self, batch):
        values = []
        for line, row in batch:
            try:
                number = _number(row.get("number")) or _text(row, "number", required=True)
                contract = _text(row, "contract_code", required=True)
                amount = _money(_decimal(row, "amount"))
                try:
                    month = parse_month(_text(row, "month", required=True))
                except ServiceError as exc:
                    raise RowError(exc.message) from exc
                values.append((self.brand.pk, number, contract, amount, month, self.fingerprint, line))
            except RowError as exc:
                self.summary.reject(line, str(exc))
        return values


def _fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _open(path: Path | str) -> Path:
    path = Path(path)
    if not path.is_file():
        raise ServiceError(f"找不到文件：{path}", field="file")
    if path.suffix.lower() not in (".csv", ".json", ".jsonl", ".ndjson"):
        raise ServiceError("只支持 .csv、.json、.jsonl 文件", field="file")
    return path


ImporterFactory = Callable[[Brand, Path], _Importer]
IMPORTERS: dict[str, ImporterFactory] = {
    "scans": lambda brand, path: ScanImporter(brand),
    "waybills": lambda brand, path: WaybillImporter(brand),
    "fees": lambda brand, path: FeeImporter(brand, _fingerprint(path)),
}
