"""The `kefu` command keeps its promise: bad input is one Chinese line on stderr and exit 2, never a traceback.

The inputs tried and their answers are the tables of docs/RELIABILITY.md (命令行); these tests run every row as
written, so the document and the behaviour cannot drift apart.
"""

import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class
from django.core.management.base import BaseCommand

from kefu import cli
from kefu.cliargs import ChineseArgumentParser, UsageError, translate
from kefu.command import KefuCommand, KefuCommandMixin, database_problem, kefu_command_class

ROOT = Path(__file__).resolve().parent.parent
KEFU = Path(sys.executable).with_name("kefu")
RELIABILITY = ROOT / "docs" / "RELIABILITY.md"
HAN = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(
    r"\b(usage|error|argument|invalid|required|expected|choose|unrecognized|Traceback)\b", re.I
)


def table(heading: str) -> list[tuple[str, int, str]]:
    """(command, exit status, answer) rows of a table under `### heading` in the 命令行 section."""
    text = RELIABILITY.read_text(encoding="utf-8")
    section = text.split("\n## 命令行\n", 1)[1].split("\n## ", 1)[0]
    part = section.split(f"\n### {heading}\n", 1)[1].split("\n### ", 1)[0]
    rows = re.findall(r"^\| `(kefu [^`]+)` \| (\d) \| `([^`]+)` \|$", part, re.M)
    assert rows, f"no rows under {heading}"
    return [(command, int(code), answer) for command, code, answer in rows]


def run(argv: list[str]) -> int:
    """`kefu ARGV` in this process, through the console script's own entry point."""
    try:
        return cli.main(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert HAN.search(lines[0]) and not ENGLISH.search(lines[0].replace("--help", "")), lines[0]
    return lines[0]


def kefu_commands() -> list[str]:
    """Every command `kefu` runs: the pure ones, kefu's management commands, and Django's migrate."""
    django_commands = [name for name, app in get_commands().items() if str(app).startswith("kefu")]
    return sorted({*cli.PURE_COMMANDS, *(n.replace("_", "-") for n in django_commands), "migrate"})


# ---------------------------------------------------------------- argparse in Chinese, in one place


def test_every_kefu_management_command_derives_from_the_one_base():
    for name, app in get_commands().items():
        if str(app).startswith("kefu"):
            assert isinstance(load_command_class(app, name), KefuCommand), name


def test_the_base_keeps_every_option_django_gives_a_command():
    """kefu's parser adds Django's own options itself (hidden from --help); a Django upgrade that adds one
    must be followed here, or call_command and execute() would miss it."""
    command = load_command_class("kefu.tickets", "sla")
    ours = {a.dest for a in command.create_parser("kefu", "sla")._actions}
    django = {a.dest for a in BaseCommand.create_parser(command, "kefu", "sla")._actions}
    assert ours == django


@pytest.mark.parametrize("command", kefu_commands())
def test_an_unknown_option_is_one_chinese_line_and_exit_2(command, capsys):
    assert run([command, "--no-such-option"]) == 2
    assert one_line(capsys.readouterr().err).startswith(f"kefu {command}")


@pytest.mark.parametrize("command", kefu_commands())
def test_help_works_and_speaks_chinese(command, capsys):
    assert run([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"用法：kefu {command}")
    assert "显示帮助并退出" in out and "show this help" not in out
    if command != "migrate":  # Django's own option help stays as Django wrote it
        assert "--verbosity" not in out and "--traceback" not in out


def test_kefu_help_lists_every_command(capsys):
    assert run(["--help"]) == 0
    usage = capsys.readouterr().out
    for command in kefu_commands():
        assert command in usage, command


def test_kefu_help_command_is_the_commands_help(capsys):
    assert run(["help", "calendar"]) == 0
    assert capsys.readouterr().out.startswith("用法：kefu calendar")


@pytest.mark.parametrize(
    ("argv", "answer"),
    [
        (["--port", "abc"], "prog：--port 应为整数，收到“abc”（prog --help 查看用法）"),
        (["--port", "1.5", "x"], "prog：--port 应为整数，收到“1.5”（prog --help 查看用法）"),
        (["--ratio", "much", "x"], "prog：--ratio 应为数字，收到“much”（prog --help 查看用法）"),
        (["--mode", "fast", "x"], "prog：--mode 不能是“fast”，可选：a、b（prog --help 查看用法）"),
        (["--mode"], "prog：--mode 后面需要一个值（prog --help 查看用法）"),
        ([], "prog：缺少参数：文件（prog --help 查看用法）"),
        (["x", "y"], "prog：无法识别的参数：y（prog --help 查看用法）"),
        (["x", "--zz"], "prog：无法识别的参数：--zz（prog --help 查看用法）"),
        (["--quiet", "--loud", "x"], "prog：--loud 不能与 --quiet 同时使用（prog --help 查看用法）"),
        (["--quiet=yes", "x"], "prog：--quiet 不接受值“yes”（prog --help 查看用法）"),
        (["--m", "a", "x"], "prog：选项 --m 不明确，可能是：--mode、--more（prog --help 查看用法）"),
    ],
)
def test_argparse_messages_are_translated(argv, answer):
    parser = ChineseArgumentParser(prog="prog")
    parser.add_argument("file", metavar="文件")
    parser.add_argument("--port", type=int)
    parser.add_argument("--ratio", type=float)
    parser.add_argument("--mode", choices=["a", "b"])
    parser.add_argument("--more")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quiet", action="store_true")
    group.add_argument("--loud", action="store_true")
    with pytest.raises(UsageError) as refused:
        parser.parse_args(argv)
    assert str(refused.value) == answer


def test_a_message_argparse_may_add_later_keeps_its_text_behind_a_chinese_lead():
    assert translate("something new") == "参数错误：something new"


# ---------------------------------------------------------------- every bad input tried, as documented


@pytest.fixture
def workdir(cast, tmp_path, monkeypatch):
    """The current directory and data the RELIABILITY rows are run in."""
    from kefu.express.models import Station

    Station.objects.create(brand=cast.brand_b, code="FQ01", name="福清站", province="福建", city="福州")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "二进制.csv").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "空.csv").write_bytes(b"")
    (tmp_path / "坏的.json").write_text("{不是 JSON", encoding="utf-8")
    (tmp_path / "扫描.txt").write_text("number,kind,at\n", encoding="utf-8")
    (tmp_path / "运单.csv").write_text("运单号,寄件人\n", encoding="utf-8")
    (tmp_path / "数据").mkdir()
    return tmp_path


def _written() -> dict[str, int]:
    from kefu.brands.models import CalendarYear
    from kefu.express.models import FeeRecord, Scan, Settlement, Waybill
    from kefu.tickets.models import Ticket

    return {
        m.__name__: m.objects.count() for m in (CalendarYear, FeeRecord, Scan, Settlement, Waybill, Ticket)
    }


BAD_INPUTS = table("错误输入与回答")
BEFORE_MIGRATE = table("建库之前")


@pytest.mark.parametrize(("command", "code", "answer"), BAD_INPUTS, ids=[row[0] for row in BAD_INPUTS])
def test_each_bad_input_gets_its_documented_one_line_answer(workdir, command, code, answer, capsys):
    before = _written()
    assert run(shlex.split(command)[1:]) == code
    captured = capsys.readouterr()
    assert one_line(captured.err) == answer
    assert _written() == before, "a refused command writes nothing"


def test_serve_says_in_chinese_that_its_port_is_taken_before_it_says_it_started(db, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert run(["serve", "--port", str(port), "--no-worker"]) == 2
    captured = capsys.readouterr()
    assert (
        one_line(captured.err)
        == f"错误：端口 {port} 已被占用（另一个 kefu serve 或其他程序正在使用），请换一个 --port"
    )
    assert "已启动" not in captured.out


# ---------------------------------------------------------------- before `kefu migrate`, in a real process


def kefu(*args: str, cwd: Path, var: Path) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(cwd)),
        "KEFU_VAR_DIR": str(var),
        "KEFU_MODEL_CACHE": os.environ.get("KEFU_MODEL_CACHE", str(var / "model")),
        "KEFU_NOW": "2026-11-24 10:00",
    }  # no KEFU_DATABASE_URL: SQLite in the empty KEFU_VAR_DIR
    return subprocess.run([str(KEFU), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


@pytest.mark.parametrize(
    ("command", "code", "answer"), BEFORE_MIGRATE, ids=[row[0] for row in BEFORE_MIGRATE]
)
def test_a_command_run_before_migrate_says_so_in_one_line(tmp_path, command, code, answer):
    (tmp_path / "扫描.csv").write_text("number,kind,at\n", encoding="utf-8")
    done = kefu(*shlex.split(command)[1:], cwd=tmp_path, var=tmp_path / "var")
    assert (done.returncode, done.stderr.strip()) == (code, answer)
    assert "Traceback" not in done.stdout


def test_the_database_is_ready_for_the_suite(db):
    assert database_problem() is None


def test_djangos_own_commands_get_kefus_errors_too():
    from django.core.management.commands.migrate import Command as Migrate

    migrate = kefu_command_class(Migrate)
    assert issubclass(migrate, KefuCommandMixin) and issubclass(migrate, Migrate)
