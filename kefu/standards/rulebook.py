"""The one reader and the one schema convention of every YAML rulebook (standards, express, chat).

:func:`read_rulebook` reads a file into a mapping, or raises :class:`RulebookFileError` with a Chinese
message. It caches nothing: each loader caches what it builds from the data.

A schema describes one file; :func:`validate` lists what in the data breaks it. The notation:

* a mapping schema is a dict of key → shape. A key ending in ``?`` is optional; every other key is
  required. A key the schema does not name is a problem (an unknown key).
* the key ``"*"`` stands for any key name — data such as rule ids, situation ids, zone codes —
  each of whose values has that shape.
* a mapping schema naming ``"source"`` (required) is a rule: its ``source`` must be a non-empty string
  that names a seed file and section, a law, or says ``kefu 自定：…`` (kefu's own decision).
  A file citing field by field uses sibling keys ending in ``_source`` (``reply_source``); these, and
  an optional ``source``, must not be empty either.
* the scalar shapes are the strings ``"str"``, ``"int"``, ``"num"`` (int or float), ``"bool"``,
  ``"null"`` and ``"any"``;
* ``[shape]`` is a list whose items all have that shape;
* a tuple ``(shape, shape, ...)`` is any one of them, for a value the loader accepts in either form
  (``channels: all`` or ``channels: [chat]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

Schema = Any  # a shape in the notation above

_SCALARS: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "num": (int, float),
    "bool": (bool,),
}
_TYPE_NAMES = {"str": "字符串", "int": "整数", "num": "数字", "bool": "布尔值", "null": "空值"}


class RulebookFileError(ValueError):
    """A rulebook file is missing, not YAML, or not a mapping."""


def read_rulebook(path: Path) -> dict[str, Any]:
    """The mapping a rulebook file holds."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulebookFileError(f"找不到规则文件：{path}") from None
    except UnicodeDecodeError as exc:
        raise RulebookFileError(f"规则文件 {path.name} 不是 UTF-8 编码的文本") from exc
    except OSError as exc:
        raise RulebookFileError(f"无法读取规则文件：{path}：{exc.strerror or exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"：第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark is not None else ""
        raise RulebookFileError(f"规则文件 {path.name} 不是有效的 YAML{where}") from exc
    if not isinstance(data, dict):
        raise RulebookFileError(f"规则文件内容应为映射：{path}")
    return data


def validate(data: Any, schema: Schema, where: str) -> list[str]:
    """Every way ``data`` breaks ``schema``, each as ``"<where> <path>：<problem>"``."""
    problems: list[str] = []
    _check(data, schema, where, "", problems)
    return problems


def _type_ok(value: Any, shape: str) -> bool:
    if shape == "any":
        return True
    if shape == "null":
        return value is None
    # bool is an int to Python, never to a rulebook.
    return isinstance(value, _SCALARS[shape]) and not (isinstance(value, bool) and shape != "bool")


def _describe(shape: Schema) -> str:
    if isinstance(shape, str):
        return _TYPE_NAMES.get(shape, shape)
    if isinstance(shape, list):
        return "列表"
    if isinstance(shape, tuple):
        return "或".join(_describe(s) for s in shape)
    return "映射"


def _check(value: Any, shape: Schema, where: str, path: str, problems: list[str]) -> None:
    def problem(text: str) -> None:
        problems.append(f"{where} {path}：{text}" if path else f"{where}：{text}")

    if isinstance(shape, tuple):
        if not any(not validate(value, alt, where) for alt in shape):
            problem(f"应为{_describe(shape)}")
    elif isinstance(shape, str):
        if shape not in _SCALARS and shape not in ("any", "null"):
            raise ValueError(f"未知的结构类型：{shape}")
        if not _type_ok(value, shape):
            problem(f"应为{_describe(shape)}")
    elif isinstance(shape, list):
        if not isinstance(value, list):
            problem("应为列表")
            return
        for i, item in enumerate(value, 1):
            _check(item, shape[0], where, f"{path}[{i}]", problems)
    elif not isinstance(value, Mapping):
        problem("应为映射")
    else:
        fields = {key.rstrip("?"): key for key in shape if key != "*"}
        for name, key in fields.items():
            if name in value:
                _check(value[name], shape[key], where, _join(path, name), problems)
            elif not key.endswith("?"):
                problem(f"缺少字段 {name}")
        for name in fields:
            cited = value.get(name)
            if is_citation(name) and isinstance(cited, str) and not cited.strip():
                problem(f"{name} 为空")
        for name, item in value.items():
            if str(name) in fields:
                continue
            if "*" in shape:
                _check(item, shape["*"], where, _join(path, str(name)), problems)
            else:
                problem(f"未知字段 {name}")


def is_citation(key: str) -> bool:
    return key == "source" or key.endswith("_source")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
