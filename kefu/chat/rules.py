"""Pure chat and presence rules: agent statuses, allowed changes, the chat rulebook. No Django here."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import yaml

RULEBOOK = Path(__file__).parent / "rulebook.yaml"


class AgentState(StrEnum):
    OFFLINE = "offline"
    READY = "ready"
    BUSY = "busy"
    WRAP_UP = "wrap_up"
    BREAK = "break"


STATE_LABELS = {
    AgentState.OFFLINE: "离线",
    AgentState.READY: "就绪",
    AgentState.BUSY: "通话中",
    AgentState.WRAP_UP: "话后处理",
    AgentState.BREAK: "小休",
}

# 000 日常工作流程 2: 一切准备工作就绪后，状态调整为就绪; 3.12: 结束后签退.
# Offline only leads to signing in (就绪 or 小休 not directly from 离线 without 签入).
ALLOWED = {
    AgentState.OFFLINE: frozenset({AgentState.WRAP_UP}),
    AgentState.READY: frozenset({AgentState.BUSY, AgentState.WRAP_UP, AgentState.BREAK, AgentState.OFFLINE}),
    AgentState.BUSY: frozenset({AgentState.WRAP_UP, AgentState.READY, AgentState.BUSY}),
    AgentState.WRAP_UP: frozenset({AgentState.READY, AgentState.BREAK, AgentState.OFFLINE, AgentState.BUSY}),
    AgentState.BREAK: frozenset({AgentState.READY, AgentState.WRAP_UP, AgentState.OFFLINE}),
}


def can_change(current: str, target: str) -> bool:
    return AgentState(target) in ALLOWED[AgentState(current)]


@cache
def rulebook() -> dict[str, Any]:
    with RULEBOOK.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return {key: value["value"] for key, value in data.items() if isinstance(value, dict)}


def setting(name: str) -> Any:
    return rulebook()[name]


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
