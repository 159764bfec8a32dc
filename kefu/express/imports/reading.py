"""Reading import files of any size as a stream of (line number, row) pairs.

CSV, JSON Lines, or one JSON array read element by element; Chinese column headers are mapped to the
English keys; an unreadable row is yielded as None so the importer can list it and go on.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

from kefu.errors import ServiceError

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
SUFFIXES = (".csv", ".json", ".jsonl", ".ndjson")


def file_suffix(name: str) -> str:
    """The file's kind by its name (.csv, .json, .jsonl, .ndjson), or a Chinese error."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise ServiceError("只支持 .csv、.json、.jsonl 文件", field="file")
    return suffix


def open_file(path: Path | str, name: str | None = None) -> Path:
    """The file to import, or a Chinese error naming what is wrong with it (`name`: as the person gave it)."""
    path = Path(path)
    if not path.is_file():
        raise ServiceError(f"找不到文件：{path}", field="file")
    file_suffix(path.name)
    with path.open("rb") as handle:
        check_text_head(handle.read(SNIFF_BYTES), name or str(path))
    return path


def fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# characters no import field may hold: NUL (PostgreSQL refuses it in text) and the other C0/C1 controls
# except tab; a row that has one is refused with its line number, the rest of the file goes on
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
SNIFF_BYTES = 8192


def control_reason(text: str) -> str | None:
    """Why a line or value cannot be stored (a control character, named), or None."""
    found = _CONTROL.search(text)
    if found is None:
        return None
    char = found.group()
    name = "NUL" if char == "\x00" else f"\\x{ord(char):02x}"
    return f"含有不可见的控制字符（{name}），请检查这一行"


def check_text_head(head: bytes, name: str) -> None:
    """A file to import is text: not empty, and not an image, an .xlsx or a zip renamed .csv (many control
    bytes in its first 8 KB). A text file with a stray control character passes; that row is refused."""
    if not head:
        raise ServiceError(f"{name} 是空文件", field="file")
    controls = sum(1 for b in head if b < 32 and b not in b"\t\n\r\f")
    if controls / len(head) > 0.05:
        raise ServiceError(
            f"{name} 不是文本文件（应为 UTF-8 或 GBK 编码的 CSV、JSON 或 JSON Lines）", field="file"
        )


def canonical(row: dict[str, Any]) -> dict[str, Any] | str:
    """The row with Chinese column names replaced by the English keys; the reason when a value cannot be stored."""
    for value in row.values():
        reason = control_reason(value) if isinstance(value, str) else None
        if reason:
            return reason
    return {ALIASES.get(str(k).strip(), str(k).strip()): v for k, v in row.items() if k is not None}


Row = dict[str, Any] | str | None  # a row, why it cannot be read, or None (unreadable, no more to say)


def read_rows(
    path: Path, *, progress: bool = True, on_progress: Callable[[int], None] | None = None
) -> Iterator[tuple[int, Row]]:
    """(line number, row) for each row of a CSV, JSON Lines or JSON array file; the reason (str) for a row
    that cannot be read, so the importer lists it by its line and goes on.

    `progress` draws a progress bar on stderr; `on_progress` is told how many bytes have been read.
    """
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
        lines = _byte_lines(handle, bar, on_progress)
        if path.suffix.lower() == ".csv":
            yield from _csv_rows(lines)
            return
        first = next(lines, "")
        if first.lstrip().startswith("["):
            for index, value in _json_array(_chain(first, lines)):
                yield index, canonical(value) if isinstance(value, dict) else "不是 JSON 对象"
            return
        for number, text in enumerate(_chain(first, lines), start=1):
            if not text.strip():
                continue
            reason = control_reason(text.rstrip("\r\n"))
            if reason:
                yield number, reason
                continue
            try:
                value = json.loads(text, parse_float=Decimal)
            except json.JSONDecodeError:
                yield number, None
                continue
            yield number, canonical(value) if isinstance(value, dict) else "不是 JSON 对象"


def _csv_rows(lines: Iterator[str]) -> Iterator[tuple[int, Row]]:
    """No field of kefu's import formats holds a line break, so every CSV row is one line: a line whose quotes
    do not pair up (an unclosed quote) is refused at its own line, instead of swallowing the rows after it."""
    broken: dict[int, str] = {}

    def checked() -> Iterator[str]:
        for number, line in enumerate(lines, start=1):
            reason = control_reason(line.rstrip("\r\n"))
            if reason is None and line.count('"') % 2 and _unclosed(line):
                reason = "引号没有配对（有一个引号未闭合），请检查这一行"
            if reason is not None and number > 1:
                broken[number] = reason
                line = "\n"  # an empty row in its place: the reader goes on at the next line
            yield line

    reader = csv.reader(checked())
    header = [ALIASES.get(h.strip(), h.strip()) for h in next(reader, [])]
    width = len(header)
    for row in reader:
        if not row:
            if reader.line_num in broken:
                yield reader.line_num, broken.pop(reader.line_num)
            continue
        if len(row) > width:
            yield reader.line_num, f"有 {len(row)} 列，表头有 {width} 列，请检查这一行的逗号和引号"
            continue
        yield reader.line_num, dict(zip(header, row, strict=False))


def _unclosed(line: str) -> bool:
    """The line read alone leaves a quoted field open (its line break ends up inside the field)."""
    fields = next(csv.reader([line if line.endswith("\n") else line + "\n"]), [])
    return any("\n" in f or "\r" in f for f in fields)


def _byte_lines(handle: IO[bytes], bar: tqdm, on_progress: Callable[[int], None] | None) -> Iterator[str]:
    pending = done = 0
    for number, raw in enumerate(handle):
        pending += len(raw)
        if number % 4096 == 0:
            bar.update(pending)
            done, pending = done + pending, 0
            if on_progress:
                on_progress(done)
        try:
            text = raw.decode("utf-8-sig" if number == 0 else "utf-8")
        except UnicodeDecodeError:  # a CSV saved by Excel on a Chinese Windows is GB18030 (GBK)
            text = raw.decode("gb18030", errors="replace")
        yield text
    bar.update(pending)
    if on_progress:
        on_progress(done + pending)


def _chain(first: str, rest: Iterable[str]) -> Iterator[str]:
    yield first
    yield from rest


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
