"""argparse for the `kefu` command, in Chinese: one place for every command's argument errors and help.

argparse writes English ("usage: …", "error: argument --port: invalid int value: 'abc'") and exits by itself;
kefu promises one Chinese line on stderr and exit status 2. `ChineseArgumentParser` translates argparse's
messages (the ones Python 3.11–3.13 write; anything else keeps its text behind a Chinese lead) and raises
`UsageError` instead of printing usage, and titles its help in Chinese. The pure commands (`kefu check`,
`script`, `qa`, `waybill`, `claim`) use it directly; the Django commands through `kefu.command`, whose parser
is a subclass of it. Pure Python: nothing from Django, so the pure commands stay fast.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad arguments; the message is one Chinese line, already naming the command."""

    returncode = EXIT_USAGE


def _value(text: str) -> str:
    """argparse's repr of a value ('abc') → “abc”."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return f"“{text}”"


def _names(text: str) -> str:
    """'a', 'b' or a, b → a、b (argparse lists choices and arguments with commas, some quoted)."""
    return "、".join(part.strip().strip("'\"") for part in text.split(","))


# argparse's messages (argparse.py, `_()` calls) → Chinese. Tried in order; the first that matches wins.
_MESSAGES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"the following arguments are required: (?P<a>.+)"), lambda m: f"缺少参数：{_names(m['a'])}"),
    (re.compile(r"unrecognized arguments: (?P<a>.+)"), lambda m: f"无法识别的参数：{m['a']}"),
    (re.compile(r"one of the arguments (?P<a>.+) is required"), lambda m: f"以下参数须给出其一：{m['a']}"),
    (
        re.compile(r"ambiguous option: (?P<o>\S+) could match (?P<m>.+)"),
        lambda m: f"选项 {m['o']} 不明确，可能是：{_names(m['m'])}",
    ),
    (re.compile(r"unexpected option string: (?P<o>.+)"), lambda m: f"无法识别的选项：{m['o']}"),
    (
        re.compile(r"argument (?P<n>.+?): invalid int value: (?P<v>.+)"),
        lambda m: f"{m['n']} 应为整数，收到{_value(m['v'])}",
    ),
    (
        re.compile(r"argument (?P<n>.+?): invalid float value: (?P<v>.+)"),
        lambda m: f"{m['n']} 应为数字，收到{_value(m['v'])}",
    ),
    (
        re.compile(r"argument (?P<n>.+?): invalid choice: (?P<v>.+?) \(choose from (?P<c>.+)\)"),
        lambda m: f"{m['n']} 不能是{_value(m['v'])}，可选：{_names(m['c'])}",
    ),
    (
        re.compile(r"argument (?P<n>.+?): invalid \S+ value: (?P<v>.+)"),
        lambda m: f"{m['n']} 的值无效：{_value(m['v'])}",
    ),
    (re.compile(r"argument (?P<n>.+?): expected one argument"), lambda m: f"{m['n']} 后面需要一个值"),
    (re.compile(r"argument (?P<n>.+?): expected at most one argument"), lambda m: f"{m['n']} 最多接受一个值"),
    (
        re.compile(r"argument (?P<n>.+?): expected at least one argument"),
        lambda m: f"{m['n']} 至少需要一个值",
    ),
    (
        re.compile(r"argument (?P<n>.+?): expected (?P<k>\d+) arguments?"),
        lambda m: f"{m['n']} 需要 {m['k']} 个值",
    ),
    (
        re.compile(r"argument (?P<n>.+?): not allowed with argument (?P<o>.+)"),
        lambda m: f"{m['n']} 不能与 {m['o']} 同时使用",
    ),
    (
        re.compile(r"argument (?P<n>.+?): ignored explicit argument (?P<v>.+)"),
        lambda m: f"{m['n']} 不接受值{_value(m['v'])}",
    ),
    # ArgumentTypeError raised by a kefu type below: its message is already Chinese ("应为整数，收到…")
    (
        re.compile(r"argument (?P<n>.+?): (?P<msg>.+)"),
        lambda m: f"{m['n']}{' ' if m['msg'].startswith('应为') else '：'}{m['msg']}",
    ),
]


def translate(message: str) -> str:
    """One argparse error message in Chinese, on one line."""
    message = " ".join(message.split())
    for pattern, render in _MESSAGES:
        if match := pattern.fullmatch(message):
            return render(match)
    return f"参数错误：{message}"


class ChineseArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are `UsageError`s in Chinese and whose help is titled in Chinese."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        add_help = kwargs.pop("add_help", True)
        kwargs["add_help"] = False  # ours, with Chinese help, below
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示帮助并退出")

    def add_subparsers(self, **kwargs: Any) -> Any:
        """Subcommands whose --help opens with the line they are listed with (`help=`)."""
        action = super().add_subparsers(**kwargs)
        add_parser = action.add_parser

        def add(name: str, **options: Any) -> Any:
            if "help" in options:
                options.setdefault("description", options["help"])
            return add_parser(name, **options)

        action.add_parser = add  # type: ignore[method-assign]
        return action

    def format_usage(self) -> str:
        return _chinese_usage(super().format_usage())

    def format_help(self) -> str:
        return _chinese_usage(super().format_help())

    def usage_message(self, message: str) -> str:
        return f"{self.prog}：{translate(message)}（{self.prog} --help 查看用法）"

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.usage_message(message))


def _chinese_usage(text: str) -> str:
    return "用法：" + text.removeprefix("usage: ") if text.startswith("usage: ") else text


# ---------------------------------------------------------------- types with Chinese errors


def _bounds(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f" {minimum:g}–{maximum:g} 之间的"
    if minimum is not None:
        return f"不小于 {minimum:g} 的"
    return f"不大于 {maximum:g} 的" if maximum is not None else ""


def integer(*, minimum: int | None = None, maximum: int | None = None) -> Callable[[str], int]:
    """An int argument within bounds; the error says which bounds."""

    def parse(value: str) -> int:
        try:
            result = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"应为整数，收到“{value}”") from None
        if (minimum is not None and result < minimum) or (maximum is not None and result > maximum):
            raise argparse.ArgumentTypeError(f"应为{_bounds(minimum, maximum)}整数，收到 {result}")
        return result

    return parse


def number(*, minimum: float | None = None, maximum: float | None = None) -> Callable[[str], float]:
    """A finite float within bounds (argparse's float takes 'nan' and 'inf')."""

    def parse(value: str) -> float:
        try:
            result = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"应为数字，收到“{value}”") from None
        if not math.isfinite(result):
            raise argparse.ArgumentTypeError(f"应为有限的数字，收到“{value}”")
        if (minimum is not None and result < minimum) or (maximum is not None and result > maximum):
            raise argparse.ArgumentTypeError(f"应为{_bounds(minimum, maximum)}数字，收到 {value}")
        return result

    return parse


def day(value: str) -> date:
    """A calendar date, 2026-10-10."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式不正确：{value}（示例 2026-10-10）") from None


# ---------------------------------------------------------------- files


def file_problem(value: str) -> str | None:
    """Why a command cannot read the file named `value`, in Chinese; None when it can."""
    path = Path(value)
    if not path.exists():
        return f"找不到文件：{value}"
    if path.is_dir():
        return f"{value} 是一个目录，请给出文件"
    if not os.access(path, os.R_OK):
        return f"没有读取 {value} 的权限"
    return None


def read_text(value: str) -> str:
    """A UTF-8 text file's contents; ValueError with a Chinese sentence when it cannot be read as one."""
    if problem := file_problem(value):
        raise ValueError(problem)
    try:
        return Path(value).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{value} 不是 UTF-8 编码的文本文件") from None
    except OSError as exc:
        raise ValueError(f"无法读取 {value}：{exc.strerror or exc}") from None
