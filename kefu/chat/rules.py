"""Pure chat and presence rules: agent statuses, allowed changes, the chat rulebook. No Django here."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from kefu.standards.rulebook import read_rulebook

RULEBOOK = Path(__file__).parent / "rulebook.yaml"


class AgentState(StrEnum):
    OFFLINE = "offline"
    SIGNED_IN = "signed_in"
    READY = "ready"
    BUSY = "busy"
    WRAP_UP = "wrap_up"
    BREAK = "break"


STATE_LABELS = {
    AgentState.OFFLINE: "离线",
    AgentState.SIGNED_IN: "已签入",
    AgentState.READY: "就绪",
    AgentState.BUSY: "通话中",
    AgentState.WRAP_UP: "话后处理",
    AgentState.BREAK: "小休",
}

# 000 日常工作流程 2: 一切准备工作就绪后，状态调整为就绪; 3.12: 结束后签退.
# 离线 leads only to 签入: 已签入 (preparing: neither taking work nor after a call), or 就绪 straight away where
# the team says so (kefu.chat.presence.agent_sign_in). 话后处理 follows a conversation, not a sign-in.
ALLOWED = {
    AgentState.OFFLINE: frozenset({AgentState.SIGNED_IN, AgentState.READY}),
    AgentState.SIGNED_IN: frozenset({AgentState.READY, AgentState.BREAK, AgentState.OFFLINE}),
    AgentState.READY: frozenset({AgentState.BUSY, AgentState.WRAP_UP, AgentState.BREAK, AgentState.OFFLINE}),
    AgentState.BUSY: frozenset({AgentState.WRAP_UP, AgentState.READY, AgentState.BUSY}),
    AgentState.WRAP_UP: frozenset({AgentState.READY, AgentState.BREAK, AgentState.OFFLINE, AgentState.BUSY}),
    AgentState.BREAK: frozenset({AgentState.READY, AgentState.WRAP_UP, AgentState.OFFLINE}),
}


def can_change(current: str, target: str) -> bool:
    return AgentState(target) in ALLOWED[AgentState(current)]


@cache
def rulebook() -> dict[str, Any]:
    data = read_rulebook(RULEBOOK)
    return {key: value["value"] for key, value in data.items() if isinstance(value, dict)}


def setting(name: str) -> Any:
    return rulebook()[name]


def expected_wait(position: int, handle_seconds: float | None, slots: int) -> int | None:
    """Seconds until the customer at ``position`` (1: next) is taken: the agents on duty hold ``slots`` chats
    at once and a chat lasted ``handle_seconds`` on average lately, so a place frees every handle/slots seconds.
    None without a recent chat to go by or without an agent taking chats: no guess."""
    if not handle_seconds or slots <= 0 or position <= 0:
        return None
    return round(position * handle_seconds / slots)


def rating_label(score: int) -> str:
    return {int(k): v for k, v in setting("rating_labels").items()}.get(score, "")


def image_type(file: Any) -> str | None:
    """The served type of an uploaded photo, read from its bytes (JPEG, PNG, WEBP or GIF that Pillow can
    parse), or None when the file is no such image whatever its name or declared type says."""
    from PIL import Image, UnidentifiedImageError

    types: dict[str, str] = setting("upload_types")
    try:
        file.seek(0)
        with Image.open(file) as image:
            kind = image.format or ""
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    finally:
        file.seek(0)
    return types.get(kind)


def stored_type(name: str) -> str:
    """The type a stored photo is served with, from the extension image_type gave it on arrival."""
    subtype = name.rsplit(".", 1)[-1].lower()
    allowed = set(setting("upload_types").values())
    return f"image/{subtype}" if f"image/{subtype}" in allowed else "application/octet-stream"
