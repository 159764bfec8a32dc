"""A conversation transcript as the quality check reads it, validated with Chinese errors.

Transcript format (JSON object; also documented in ``rulebooks/qa.yaml``)::

    {
      "channel": "phone" | "chat" | "email",              default "phone"
      "profile": "oufei",                                   profile id or brand name, default "generic"
      "agent_no": "1024",                                   the agent's 工号 (optional)
      "started_at": "2026-10-01T09:30:00+08:00",            ISO 8601, naive = Asia/Shanghai (optional;
      "ended_at": "2026-10-01T09:36:10+08:00",              the first turn's time is used when absent)
      "ended_by": "agent" | "customer",                     optional
      "outcome": "normal" | "transferred_to_supervisor" | "ended_abusive" | "ended_silent",
      "turns": [{"speaker": "agent" | "customer", "text": "...", "at": "ISO 8601"}],
      "holds": [{"start": "ISO 8601", "end": "ISO 8601"}]   every turn needs "at" when holds are given
    }
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kefu.standards import scripts

SHANGHAI = ZoneInfo("Asia/Shanghai")
CHANNELS = ("phone", "chat", "email")
SPEAKERS = ("agent", "customer")
OUTCOMES = ("normal", "transferred_to_supervisor", "ended_abusive", "ended_silent")


class TranscriptError(ValueError):
    """A transcript that cannot be scored; the message (Chinese) names the field."""


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str
    at: datetime | None


@dataclass(frozen=True)
class Hold:
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class Transcript:
    channel: str
    profile: str
    agent_no: str | None
    started_at: datetime | None
    ended_at: datetime | None
    ended_by: str | None
    outcome: str
    turns: tuple[Turn, ...]
    holds: tuple[Hold, ...] = ()


# ---------------------------------------------------------------- parsing


def _parse_time(value: Any, where: str) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise TranscriptError(f"{where}：时间必须是 ISO 8601 字符串，例如 2026-10-01T09:30:00+08:00")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise TranscriptError(f"{where}：无法识别的时间“{value}”") from None
    return parsed.replace(tzinfo=SHANGHAI) if parsed.tzinfo is None else parsed.astimezone(SHANGHAI)


def _optional_time(data: Mapping[str, Any], key: str, where: str) -> datetime | None:
    value = data.get(key)
    return None if value in (None, "") else _parse_time(value, where)


def _choice(data: Mapping[str, Any], key: str, options: Sequence[str], default: str | None) -> str | None:
    value = data.get(key, default)
    if value is None:
        return None
    if value not in options:
        raise TranscriptError(f"{key}：取值“{value}”无效，可选：{'、'.join(options)}")
    return str(value)


def parse_transcript(data: Any) -> Transcript:
    """Validate a transcript (a mapping, e.g. loaded JSON); raises :class:`TranscriptError`."""
    if not isinstance(data, Mapping):
        raise TranscriptError("对话记录必须是 JSON 对象")
    channel = _choice(data, "channel", CHANNELS, "phone") or "phone"
    try:
        profile = scripts.resolve_profile(str(data.get("profile") or "generic"))
    except ValueError as exc:
        raise TranscriptError(f"profile：{exc}") from None
    agent_no = data.get("agent_no")
    if agent_no is not None and not isinstance(agent_no, str | int):
        raise TranscriptError("agent_no：工号必须是字符串或数字")
    raw_turns = data.get("turns")
    if not isinstance(raw_turns, list) or not raw_turns:
        raise TranscriptError("turns：缺少对话内容，必须是非空列表")
    turns = []
    for i, raw in enumerate(raw_turns):
        where = f"turns[{i}]"
        if not isinstance(raw, Mapping):
            raise TranscriptError(f"{where}：每句话必须是对象")
        speaker = raw.get("speaker")
        if speaker not in SPEAKERS:
            raise TranscriptError(f"{where}.speaker：必须是 agent 或 customer，而不是“{speaker}”")
        text = raw.get("text", "")
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise TranscriptError(f"{where}.text：必须是字符串")
        turns.append(Turn(str(speaker), text, _optional_time(raw, "at", f"{where}.at")))
    raw_holds = data.get("holds") or []
    if not isinstance(raw_holds, list):
        raise TranscriptError("holds：必须是列表")
    holds = []
    for i, raw in enumerate(raw_holds):
        if not isinstance(raw, Mapping):
            raise TranscriptError(f"holds[{i}]：必须是含 start 和 end 的对象")
        start = _parse_time(raw.get("start"), f"holds[{i}].start")
        end = _parse_time(raw.get("end"), f"holds[{i}].end")
        if end < start:
            raise TranscriptError(f"holds[{i}].end：结束时间早于开始时间")
        holds.append(Hold(start, end))
    if holds:
        for i, turn in enumerate(turns):
            if turn.at is None:
                raise TranscriptError(f"turns[{i}].at：有等待记录 (holds) 时每句话都需要时间")
    started_at = _optional_time(data, "started_at", "started_at") or next((t.at for t in turns if t.at), None)
    return Transcript(
        channel=channel,
        profile=profile,
        agent_no=None if agent_no is None else str(agent_no),
        started_at=started_at,
        ended_at=_optional_time(data, "ended_at", "ended_at"),
        ended_by=_choice(data, "ended_by", ("agent", "customer"), None),
        outcome=_choice(data, "outcome", OUTCOMES, "normal") or "normal",
        turns=tuple(turns),
        holds=tuple(holds),
    )
