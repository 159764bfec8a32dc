"""Tracking queries and complaint types (pure, data-driven).

Seed 004_4ea5f35392de9aaf.txt: 第二节 (查询), 第三节 (投诉); problem parcels are in problems.py.
The Django part calls these to guide the agent; the wording lives in rulebooks/service.yaml.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .money import InputError, add_years_end_of_day, iso
from .rulebook import Rulebook, default_rulebook
from .tariff import promised_hours
from .waybill import Candidate, identify_waybill

QUERY_KINDS = (
    "has_result",
    "delayed",
    "no_result_beyond_shipment",
    "other_carrier",
    "no_number",
    "not_found",
    "expired",
)
SHIPMENT_ONLY = frozenset({"收件", "发出"})


def render(template: str, **values: Any) -> str:
    """Fill a Chinese template; every placeholder must be given (no braces reach a customer)."""
    needed = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    missing = sorted(needed - set(values))
    if missing:
        raise InputError(f"缺少模板参数：{', '.join(missing)}", missing[0])
    return template.format(**values)


@dataclass(frozen=True)
class Scan:
    """One tracking scan: kind is 收件 | 发出 | 到达 | 派送 | 签收 | 问题件."""

    kind: str
    at: datetime
    station: str = ""


@dataclass(frozen=True)
class QueryClassification:
    kind: str
    name: str
    reply: str
    guidance: tuple[str, ...]
    follow_up: bool
    reply_by: datetime | None
    source: str
    number: str | None = None
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "number": self.number,
            "reply": self.reply,
            "guidance": list(self.guidance),
            "follow_up": self.follow_up,
            "reply_by": iso(self.reply_by),
            "source": self.source,
            "candidates": [c.to_dict() for c in self.candidates],
        }


def _fmt(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def classify_query(
    number: str | None,
    waybill_found: bool,
    scans: Iterable[Scan | tuple[str, datetime, str]],
    now: datetime,
    rulebook: Rulebook | None = None,
    *,
    zone: str | None = None,
    shipped_at: datetime | None = None,
) -> QueryClassification:
    """Which kind of tracking query this is (004 第二节 一) and what to tell the customer.

    `zone` (a tariff zone code) gives the promised delivery time for recognising a
    delay; `shipped_at` defaults to the first scan.
    """
    book = rulebook or default_rulebook()
    conf = book.service["query"]
    reply_by = now + timedelta(minutes=int(conf["reply_within_minutes"]))
    allowed = set(conf["scan_kinds"])
    ordered = sorted((s if isinstance(s, Scan) else Scan(*s) for s in scans), key=lambda s: s.at)
    unknown = sorted({s.kind for s in ordered} - allowed)
    if unknown:
        raise InputError(
            f"未知的扫描类型：{'、'.join(unknown)}（应为 {'、'.join(conf['scan_kinds'])}）", "scans"
        )
    values: dict[str, Any] = {"reply_by": _fmt(reply_by)}
    candidates: tuple[Candidate, ...] = ()
    normalised: str | None = None

    if not number or not number.strip():
        kind = "no_number"
    else:
        ident = identify_waybill(number, book)
        normalised = ident.number
        if waybill_found:
            kind = _classify_found(ordered, now, book, zone, shipped_at, values)
        elif ident.candidates and not any(c.own for c in ident.candidates):
            kind = "other_carrier"
            candidates = tuple(ident.candidates)
            names = "、".join(c.name for c in candidates)
            values["carrier_hint"] = (
                f"这是{names}的单号格式，" if ident.certain else f"它可能是{names}的单号，"
            ) + "建议您向该公司查询。"
        else:
            kind = "not_found"

    spec = conf["kinds"][kind]
    follow_up = bool(spec["follow_up"])
    return QueryClassification(
        kind=kind,
        name=str(spec["name"]),
        reply=render(conf["replies"][kind], **values),
        guidance=tuple(spec["guidance"]),
        follow_up=follow_up,
        reply_by=reply_by if follow_up else None,
        source=str(spec["source"]),
        number=normalised,
        candidates=candidates,
    )


def _classify_found(
    scans: Sequence[Scan],
    now: datetime,
    book: Rulebook,
    zone: str | None,
    shipped_at: datetime | None,
    values: dict[str, Any],
) -> str:
    conf = book.service["query"]
    shipped = shipped_at or (scans[0].at if scans else None)
    if shipped is not None and now > add_years_end_of_day(shipped, int(conf["validity_years"])):
        return "expired"
    if not scans:
        values["status"] = "已下单，正在等待业务员揽收"
        return "has_result"
    last = scans[-1]
    signed = [s for s in scans if s.kind == "签收"]
    if signed:
        values["status"] = f"已于 {_fmt(signed[-1].at)} 签收"
        return "has_result"
    stale = now - last.at > timedelta(hours=float(conf["no_result_after_hours"]))
    if all(s.kind in SHIPMENT_ONLY for s in scans) and stale:
        return "no_result_beyond_shipment"
    if last.kind == "问题件":
        return "delayed"
    if (
        zone is not None
        and shipped is not None
        and now > shipped + timedelta(hours=promised_hours(zone, book))
    ):
        return "delayed"
    where = f"（{last.station}）" if last.station else ""
    values["status"] = f"于 {_fmt(last.at)} {last.kind}{where}"
    return "has_result"


# ---------------------------------------------------------------- complaints


@dataclass(frozen=True)
class ComplaintType:
    code: str
    name: str
    steps: tuple[str, ...]
    source: str
    subtypes: Mapping[str, tuple[str, str]]  # code → (name, example)


@dataclass(frozen=True)
class ComplaintClock:
    acknowledge: str
    acknowledge_at: datetime
    result_by: datetime
    result_source: str
    recourse: str
    recourse_source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "acknowledge": self.acknowledge,
            "acknowledge_at": iso(self.acknowledge_at),
            "result_by": iso(self.result_by),
            "result_source": self.result_source,
            "recourse": self.recourse,
            "recourse_source": self.recourse_source,
        }


def complaint_types(rulebook: Rulebook | None = None) -> list[ComplaintType]:
    book = rulebook or default_rulebook()
    return [
        ComplaintType(
            code=code,
            name=str(spec["name"]),
            steps=tuple(spec["steps"]),
            source=str(spec["source"]),
            subtypes={
                k: (str(v["name"]), str(v["example"])) for k, v in (spec.get("subtypes") or {}).items()
            },
        )
        for code, spec in book.service["complaints"]["types"].items()
    ]


def complaint_type(code: str, rulebook: Rulebook | None = None) -> ComplaintType:
    for kind in complaint_types(rulebook):
        if kind.code == code:
            return kind
    raise InputError(f"未知的投诉类型：{code}", "type")


def complaint_clock(received_at: datetime, rulebook: Rulebook | None = None) -> ComplaintClock:
    """Acknowledge at once; result to the customer within 7 calendar days (快递暂行条例 第二十八条)."""
    conf = (rulebook or default_rulebook()).service["complaints"]
    return ComplaintClock(
        acknowledge=str(conf["acknowledge"]),
        acknowledge_at=received_at,
        result_by=received_at + timedelta(days=int(conf["result_within_days"])),
        result_source=str(conf["result_source"]),
        recourse=str(conf["recourse"]),
        recourse_source=str(conf["recourse_source"]),
    )
