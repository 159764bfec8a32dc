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
      "brand": "xintianjie",                                brand code for the SLA rulebook's reply target
      "ticket_type": "consult",                             its ticket type (code, or name such as 咨询), default consult
      "turns": [{"speaker": "agent" | "customer", "text": "...", "at": "ISO 8601",
                 "sent_by": "agent" | "system",            agent turns only, default agent
                 "script": "opening" | "closing" | ...}],  the script a system-sent turn was (optional)
      "promises": [{"text": "...", "at": "ISO 8601"}],     promises recorded on the ticket (hand-offs)
      "holds": [{"start": "ISO 8601", "end": "ISO 8601"}]   every turn needs "at" when holds are given
    }

A turn with ``"sent_by": "system"`` is a message kefu sent in the conversation on the agent's behalf
(the chat's greeting, the 工号 message when the agent joins, the end-of-session closing): the customer
read it as the agent's, so the quality check counts its ``script`` ("opening", "closing") for the agent
and never blames the agent for its wording.
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
SENDERS = ("agent", "system")
OUTCOMES = ("normal", "transferred_to_supervisor", "ended_abusive", "ended_silent")


class TranscriptError(ValueError):
    """A transcript that cannot be scored; the message (Chinese) names the field."""


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str
    at: datetime | None
    by_system: bool = False  # sent by kefu on the agent's behalf
    script: str | None = None  # the script a system-sent turn was: opening, closing …

    @property
    def authored(self) -> bool:
        """An agent turn the agent wrote themselves."""
        return self.speaker == "agent" and not self.by_system


@dataclass(frozen=True)
class Promise:
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
    brand: str | None = None
    ticket_type: str | None = None
    promises: tuple[Promise, ...] = ()


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
        sent_by = raw.get("sent_by") or "agent"
        if sent_by not in SENDERS:
            raise TranscriptError(f"{where}.sent_by：必须是 agent 或 system，而不是“{sent_by}”")
        if sent_by == "system" and speaker != "agent":
            raise TranscriptError(f"{where}.sent_by：只有坐席一方的话可以由系统代发")
        script = raw.get("script")
        if script is not None and (not isinstance(script, str) or sent_by != "system"):
            raise TranscriptError(f"{where}.script：只用于系统代发的话，且必须是话术编号字符串")
        turns.append(
            Turn(
                str(speaker),
                text,
                _optional_time(raw, "at", f"{where}.at"),
                by_system=sent_by == "system",
                script=script or None,
            )
        )
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
    promises = _parse_promises(data.get("promises"))
    for key in ("brand", "ticket_type"):
        if data.get(key) is not None and not isinstance(data.get(key), str):
            raise TranscriptError(f"{key}：必须是字符串")
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
        brand=data.get("brand") or None,
        ticket_type=data.get("ticket_type") or None,
        promises=promises,
    )


def _parse_promises(raw: Any) -> tuple[Promise, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise TranscriptError("promises：必须是列表")
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping) or not isinstance(item.get("text"), str) or not item["text"].strip():
            raise TranscriptError(f"promises[{i}]：必须是含承诺内容 text 的对象")
        out.append(Promise(item["text"].strip(), _optional_time(item, "at", f"promises[{i}].at")))
    return tuple(out)
