"""The base of every Django-backed `kefu` command: one Chinese line on stderr and an exit status, never a traceback.

`KefuCommand` (the management commands under kefu/*/management/commands/ derive from it, and `kefu.cli` mixes
`KefuCommandMixin` into Django's own commands such as `migrate`) decides in one place:

- argument errors (unknown option, missing argument, a bad int, choice or date): `kefu.cliargs` translates
  argparse's message; exit 2. `-h/--help` lists the command's own options in Chinese.
- `CommandError` and `ServiceError` (a service's Chinese message): `错误：…`, exit 2 unless the command says
  otherwise.
- the database not created yet (a command run before `kefu migrate`), or not upgraded, or not reachable: a
  Chinese sentence naming what to run (`数据库尚未初始化，请先运行 kefu migrate`), exit 2.
- anything else that escapes a command, which is a bug: one line naming the error and `--traceback`, exit 1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
    SystemCheckError,
    handle_default_options,
)
from django.db import DatabaseError, connections

from kefu.cliargs import EXIT_USAGE, ChineseArgumentParser, file_problem
from kefu.errors import ServiceError
from kefu.standards.calendar import MAX_YEAR, MIN_YEAR

NOT_MIGRATED = "数据库尚未初始化，请先运行 kefu migrate"
EXIT_BUG = 1


class UsageError(CommandError):
    """Bad arguments: the message already names the command (`kefu calendar show-year：…`)."""


class KefuParser(ChineseArgumentParser, CommandParser):
    """Django's CommandParser (its subparsers are of the same class) with kefu's Chinese errors and help."""

    def error(self, message: str) -> NoReturn:
        # Raised rather than printed-and-exited, from the command line and from call_command alike:
        # KefuCommand.run_from_argv prints it as one line.
        raise UsageError(self.usage_message(message), returncode=EXIT_USAGE)


# Django's options for every command (BaseCommand.create_parser); kept working, left out of the help.
_BASE_ARGUMENTS: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (("--version",), {"action": "version", "version": ""}),
    (("-v", "--verbosity"), {"default": 1, "type": int, "choices": [0, 1, 2, 3]}),
    (("--settings",), {}),
    (("--pythonpath",), {}),
    (("--traceback",), {"action": "store_true"}),
    (("--no-color",), {"action": "store_true"}),
    (("--force-color",), {"action": "store_true"}),
]


def database_problem(error: Exception | None = None) -> str | None:
    """What is wrong with the database, in Chinese, when it is not ready for kefu; None when it is.

    Called when a database error escapes a command (is it because `kefu migrate` has not run?) and before
    `kefu serve` starts answering."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if error is not None and connection.in_atomic_block:
        # Inside a transaction (a test's, or a command's own on PostgreSQL, aborted by the error) no further
        # query can tell; a command run before `kefu migrate` fails outside one.
        return f"数据库错误：{_first_line(error)}"
    try:
        executor = MigrationExecutor(connection)
        if not executor.recorder.has_table():
            return NOT_MIGRATED
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return f"无法连接数据库：{_first_line(exc)}（检查 KEFU_DATABASE_URL）"
    if pending:
        return f"数据库需要升级（{len(pending)} 个迁移尚未执行），请先运行 kefu migrate"
    if error is not None:
        return f"数据库错误：{_first_line(error)}"
    return None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class KefuCommandMixin:
    """Mixed into a BaseCommand subclass; see the module docstring."""

    help: str

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> KefuParser:
        kwargs.setdefault("formatter_class", DjangoHelpFormatter)
        parser = KefuParser(
            prog=f"kefu {subcommand.replace('_', '-')}",
            description=self.help or None,
            missing_args_message=getattr(self, "missing_args_message", None),
            called_from_command_line=getattr(self, "_called_from_command_line", None),
            **kwargs,
        )
        # Django's -v/--settings/… stay accepted but out of `--help`, which lists the command's own options.
        for flags, options in _BASE_ARGUMENTS:
            if flags == ("--version",):
                options = {**options, "version": self.get_version()}  # type: ignore[attr-defined]
            parser.add_argument(*flags, help=argparse.SUPPRESS, **options)
        if self.requires_system_checks:  # type: ignore[attr-defined]
            parser.add_argument("--skip-checks", action="store_true", help=argparse.SUPPRESS)
        self.add_arguments(parser)  # type: ignore[attr-defined]
        return parser

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)  # type: ignore[misc]
        except ServiceError as exc:
            raise CommandError(exc.message, returncode=EXIT_USAGE) from exc
        except DatabaseError as exc:
            from django.core.management.commands.migrate import Command as Migrate

            # `kefu migrate` failing is not "run kefu migrate first": say what the database said.
            problem = (
                f"数据库错误：{_first_line(exc)}" if isinstance(self, Migrate) else database_problem(exc)
            )
            raise CommandError(problem, returncode=EXIT_USAGE) from exc

    def run_from_argv(self, argv: list[str]) -> None:
        """Django's run_from_argv, with argument errors, command errors and bugs each as one Chinese line."""
        self._called_from_command_line = True
        traceback = "--traceback" in argv
        code = 0
        try:
            parser = self.create_parser(argv[0], argv[1])
            options = parser.parse_args(argv[2:])
            cmd_options = vars(options)
            args = cmd_options.pop("args", ())
            handle_default_options(options)
            self.execute(*args, **cmd_options)
        except SystemCheckError as exc:  # formats its own (several) lines
            if traceback:
                raise
            self.stderr.write(str(exc), lambda x: x)  # type: ignore[attr-defined]
            code = exc.returncode
        except CommandError as exc:
            if traceback:
                raise
            message = str(exc) if isinstance(exc, UsageError) else f"错误：{exc}"
            self.stderr.write(" ".join(message.split()), lambda x: x)  # type: ignore[attr-defined]
            code = exc.returncode
        except KeyboardInterrupt:
            code = 130
        except Exception as exc:
            if traceback:
                raise
            self.stderr.write(  # type: ignore[attr-defined]
                f"{argv[0]} {argv[1]} 出错：{type(exc).__name__}: {_first_line(exc)}"
                "（这是 kefu 的缺陷；加 --traceback 重新运行可看到详细信息）",
                lambda x: x,
            )
            code = EXIT_BUG
        finally:
            with contextlib.suppress(ImproperlyConfigured):  # settings not loaded
                for connection in connections.all(initialized_only=True):
                    if not connection.in_atomic_block:  # a test's transaction stays open (run in-process)
                        connection.close()
        if code:
            sys.exit(code)


class KefuCommand(KefuCommandMixin, BaseCommand):
    """Base class of kefu's management commands.

    Django's system checks are not run before each command: a deployment's warning would be printed above
    every answer, breaking the one-line promise. `kefu serve` runs them when it starts."""

    requires_system_checks: list[str] = []


def kefu_command_class(command_class: type[BaseCommand]) -> type[BaseCommand]:
    """Django's own commands (migrate, createsuperuser, …) run through `kefu` with kefu's errors too."""
    if issubclass(command_class, KefuCommandMixin):
        return command_class
    return type(
        command_class.__name__, (KefuCommandMixin, command_class), {"__module__": command_class.__module__}
    )


# ---------------------------------------------------------------- what commands read and write


# Every kefu computation on a moment runs on the working calendar, which knows these years.
_RANGE = f"（kefu 的工作日历支持 {MIN_YEAR}–{MAX_YEAR} 年）"


def parse_when(value: str) -> datetime:
    """2026-09-30T16:00 (Asia/Shanghai when no offset is given) or a date (midnight)."""
    from django.utils import timezone

    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            f"时间格式不正确：{value}（示例 2026-09-30T16:00）", returncode=EXIT_USAGE
        ) from exc
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise CommandError(f"时间超出范围：{value}{_RANGE}", returncode=EXIT_USAGE)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return timezone.localtime(parsed)


def parse_day(value: str) -> date:
    """2026-10-10."""
    try:
        parsed = date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期格式不正确：{value}（示例 2026-10-10）", returncode=EXIT_USAGE) from exc
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise CommandError(f"日期超出范围：{value}{_RANGE}", returncode=EXIT_USAGE)
    return parsed


def readable_file(value: str) -> Path:
    """A file the command can read, or a Chinese sentence saying why not."""
    if problem := file_problem(value):
        raise CommandError(problem, returncode=EXIT_USAGE)
    return Path(value)


def writable_file(value: str) -> Path:
    """A file the command may (over)write, checked before any work is done."""
    path = Path(value)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise CommandError(f"{value} 是一个目录，请给出文件名", returncode=EXIT_USAGE)
    if not folder.is_dir():
        raise CommandError(f"目录不存在：{folder}", returncode=EXIT_USAGE)
    if not os.access(path if path.exists() else folder, os.W_OK):
        raise CommandError(f"没有写入 {value} 的权限", returncode=EXIT_USAGE)
    return path


def dump(obj: Any) -> str:
    """JSON for a program to read; datetimes and dates in ISO 8601."""
    return json.dumps(obj, ensure_ascii=False, indent=2, default=lambda o: o.isoformat())
