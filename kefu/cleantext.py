"""Text kefu refuses to store: control characters and broken Unicode.

PostgreSQL cannot store NUL in a text column (the request would end in a server error there, and work on SQLite),
and no person types the other C0 controls or a lone UTF-16 surrogate: they come from broken tools or probes. One
check, used where every request passes (kefu.middleware.CleanTextMiddleware for paths, query strings and form
posts; kefu.api.KefuParser for the API's JSON bodies), refuses them with a Chinese 400 before anything is written.
Tab, line feed and carriage return are text and pass.
"""

import re
from collections.abc import Iterable
from typing import Any

from kefu.errors import ServiceError

FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class ControlCharacters(ServiceError):
    def __init__(self, field: str | None):
        where = f"“{field}”" if field else "请求"
        super().__init__(
            f"{where}含有不可见的控制字符（如 NUL）或无效的字符编码，请删除后重试",
            code="control_character",
            field=field,
        )


def first_bad(value: Any, path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """The path (keys and list positions) of the first string in `value` with a forbidden character."""
    if isinstance(value, str):
        return path if FORBIDDEN.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            key = str(key)
            if FORBIDDEN.search(key):
                return (*path, FORBIDDEN.sub("?", key))
            found = first_bad(item, (*path, key))
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for n, item in enumerate(value):
            found = first_bad(item, (*path, str(n)))
            if found is not None:
                return found
    return None


def check(value: Any) -> None:
    """Raise ControlCharacters naming the field (a.b.0) when `value` holds a forbidden character."""
    found = first_bad(value)
    if found is not None:
        raise ControlCharacters(".".join(found) or None)


def check_pairs(pairs: Iterable[tuple[str, str]]) -> None:
    """The same for a query string or form post (name, value pairs)."""
    for name, text in pairs:
        if FORBIDDEN.search(name):
            raise ControlCharacters(None)
        if FORBIDDEN.search(text):
            raise ControlCharacters(name)
