"""Every YAML rulebook has a schema, keeps to it, and holds no key that no code reads."""

from __future__ import annotations

import re
from fnmatch import fnmatch
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from kefu.standards.rulebook import RulebookFileError, is_citation, read_rulebook, validate
from kefu.standards.rulebook_schemas import SCHEMAS

KEFU = Path(__file__).resolve().parents[2] / "kefu"
RULEBOOK_FOLDERS = ("standards/rulebooks", "chat", "express/rulebooks")
# Keys written for the people who maintain the rulebooks, never for code.
DOCUMENTATION_KEYS = {"version", "note", "description"}


def _rulebook_files() -> list[str]:
    found: set[str] = set()
    for folder in RULEBOOK_FOLDERS:
        for pattern in ("*.yaml", "*.yml"):
            found |= {p.relative_to(KEFU).as_posix() for p in (KEFU / folder).rglob(pattern)}
    return sorted(found)


def _schema_of(name: str) -> list[str]:
    return [pattern for pattern in SCHEMAS if fnmatch(name, pattern)]


def test_every_rulebook_file_has_exactly_one_schema() -> None:
    files = _rulebook_files()
    assert len(files) >= 15
    unmatched = {name: _schema_of(name) for name in files if len(_schema_of(name)) != 1}
    assert not unmatched, f"无结构或多个结构的规则文件：{unmatched}"
    unused = [pattern for pattern in SCHEMAS if not any(fnmatch(name, pattern) for name in files)]
    assert not unused, f"没有文件的结构：{unused}"


@pytest.mark.parametrize("name", _rulebook_files())
def test_rulebook_keeps_to_its_schema(name: str) -> None:
    (pattern,) = _schema_of(name)
    problems = validate(read_rulebook(KEFU / name), SCHEMAS[pattern], name)
    assert not problems, "\n".join(problems)


def _literal_keys(schema: Any) -> set[str]:
    if isinstance(schema, tuple | list):
        return {key for shape in schema for key in _literal_keys(shape)}
    if isinstance(schema, dict):
        keys = {key.rstrip("?") for key in schema if key != "*"}
        return keys | {key for shape in schema.values() for key in _literal_keys(shape)}
    return set()


@cache
def _python_source() -> str:
    return "\n".join(
        path.read_text(encoding="utf-8") for path in KEFU.rglob("*.py") if path.name != "rulebook_schemas.py"
    )


def test_every_key_of_every_rulebook_is_read_by_some_code() -> None:
    code = _python_source()
    keys = {key for schema in SCHEMAS.values() for key in _literal_keys(schema)}
    checked = {key for key in keys if not is_citation(key) and key not in DOCUMENTATION_KEYS}
    unread = sorted(
        key
        for key in checked
        if not re.search(rf"[\"']{re.escape(key)}[\"']|\.{re.escape(key)}\b|\b{re.escape(key)}=", code)
    )
    assert not unread, f"没有代码读取的规则字段：{unread}"


# ---------------------------------------------------------------- the validator itself

RULE = {"name": "str", "points?": "int", "source": "str"}
BOOK = {"criteria": {"*": RULE}, "channels": ("str", ["str"])}


def test_a_rulebook_that_keeps_to_its_schema_has_no_problem() -> None:
    data = {
        "criteria": {"opening": {"name": "开始语", "points": 5, "source": "000 二、(一)"}},
        "channels": "all",
    }
    assert validate(data, BOOK, "qa.yaml") == []
    assert validate({**data, "channels": ["chat"]}, BOOK, "qa.yaml") == []


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ({"name": "开始语", "source": "000", "foo": 1}, "qa.yaml criteria.opening：未知字段 foo"),
        ({"name": "开始语"}, "qa.yaml criteria.opening：缺少字段 source"),
        ({"name": "开始语", "source": "  "}, "qa.yaml criteria.opening：source 为空"),
        ({"name": "开始语", "source": "000", "points": "5"}, "qa.yaml criteria.opening.points：应为整数"),
        ({"name": "开始语", "source": "000", "points": True}, "qa.yaml criteria.opening.points：应为整数"),
    ],
)
def test_the_validator_names_each_problem(rule: dict[str, Any], problem: str) -> None:
    assert validate({"criteria": {"opening": rule}, "channels": "all"}, BOOK, "qa.yaml") == [problem]


def test_the_validator_checks_lists_alternatives_and_sibling_citations() -> None:
    assert validate({"criteria": [], "channels": 3}, BOOK, "f.yaml") == [
        "f.yaml criteria：应为映射",
        "f.yaml channels：应为字符串或列表",
    ]
    assert validate({"days": [1, "x"]}, {"days": ["int"]}, "f.yaml") == ["f.yaml days[2]：应为整数"]
    assert validate({"reply_source": ""}, {"reply_source": "str"}, "f.yaml") == ["f.yaml：reply_source 为空"]
    assert validate({}, {"a": "str"}, "f.yaml") == ["f.yaml：缺少字段 a"]


def test_read_rulebook_errors_are_chinese(tmp_path: Path) -> None:
    with pytest.raises(RulebookFileError, match="找不到规则文件"):
        read_rulebook(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: 1\nb: [\n", encoding="utf-8")
    with pytest.raises(RulebookFileError, match=r"规则文件 broken\.yaml 不是有效的 YAML：第 \d+ 行第 \d+ 列"):
        read_rulebook(broken)
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n", encoding="utf-8")
    with pytest.raises(RulebookFileError, match="规则文件内容应为映射"):
        read_rulebook(listed)
