"""Pure commands of ``kefu``: ``check``, ``script`` and ``qa`` (no Django).

Each function takes the argument list after the command name and returns the exit code.
Bad input prints one Chinese line on stderr and returns 2; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Sequence
from datetime import datetime

from kefu import timeutil
from kefu.cliargs import ChineseArgumentParser, UsageError, read_text
from kefu.standards import compliance, qa, scripts
from kefu.standards.transcript import CHANNELS, TranscriptError


class _Parser(ChineseArgumentParser):
    """kefu's argparse (Chinese messages, errors raised instead of printed-and-exited)."""


def _fail(message: str) -> int:
    print(message.splitlines()[0] if message else "参数错误", file=sys.stderr)
    return 2


def _run(parser: _Parser, argv: Sequence[str]) -> argparse.Namespace | int:
    try:
        return parser.parse_args(list(argv))
    except UsageError as exc:
        return _fail(str(exc))
    except SystemExit as exc:  # --help
        return int(exc.code or 0)


# ---------------------------------------------------------------- kefu check


def check_main(argv: list[str]) -> int:
    parser = _Parser(
        prog="kefu check",
        description="检查一段回复是否含服务忌语（与发送前的检查相同，含“疑似”提示）；不给 TEXT 时从标准输入读取。",
    )
    parser.add_argument("text", nargs="?", metavar="TEXT", help="要检查的文字")
    parser.add_argument("--channel", choices=CHANNELS, default="phone", help="渠道：phone/chat/email")
    parser.add_argument("--profile", default="generic", help="品牌配置（id 或品牌名，如 oufei 或 欧飞）")
    args = _run(parser, argv)
    if isinstance(args, int):
        return args
    try:
        profile = scripts.resolve_profile(args.profile)
        text = args.text if args.text is not None else sys.stdin.read()
        violations = compliance.assess(text, channel=args.channel, profile=profile)
    except ValueError as exc:
        return _fail(str(exc))
    print(
        json.dumps(
            {"ok": not violations, **compliance.report(text, violations)},
            ensure_ascii=False,
            indent=2,
        )
    )
    return 1 if violations else 0


# ---------------------------------------------------------------- kefu script


def _parse_at(value: str | None) -> datetime:
    if value is None:
        return timeutil.now()
    try:
        return timeutil.parse_moment(value)
    except timeutil.ClockError:
        raise ValueError(f"--at：无法识别的时间“{value}”，请用 2026-10-01T09:30 这样的格式") from None


def _list_situations() -> None:
    print("话术情景：")
    for situation in scripts.situations():
        steps = f"（{situation.steps} 步，用 --step）" if situation.steps > 1 else ""
        print(f"  {_pad(situation.id, 20)}{situation.name}{steps}")
    print("品牌配置：")
    for profile in scripts.profiles().values():
        print(f"  {_pad(profile.id, 20)}{profile.name}（热线 {profile.hotline}，演示号码）")


def script_main(argv: list[str]) -> int:
    parser = _Parser(prog="kefu script", description="按情景、品牌和时间生成规范话术。")
    parser.add_argument("situation", nargs="?", metavar="SITUATION", help="情景 id，如 opening、closing")
    parser.add_argument("--list", action="store_true", help="列出所有情景和品牌配置")
    parser.add_argument("--profile", default="generic", help="品牌配置（id 或品牌名）")
    parser.add_argument("--at", help="时间，如 2026-10-01T09:30（不带时区按北京时间）；默认现在")
    parser.add_argument("--channel", choices=CHANNELS, default="phone", help="渠道")
    parser.add_argument("--agent", help="工号")
    parser.add_argument("--customer", help="客户称呼，如 王先生、李经理")
    parser.add_argument("--number", help="需要核对的号码")
    parser.add_argument("--promotion", help="近期优惠活动")
    parser.add_argument("--referral", help="转介的热线号码")
    parser.add_argument("--step", type=int, default=1, help="多步情景的第几步（默认 1）")
    args = _run(parser, argv)
    if isinstance(args, int):
        return args
    if args.list:
        _list_situations()
        return 0
    if not args.situation:
        return _fail("kefu script：缺少情景 SITUATION（用 --list 查看可选情景）")
    try:
        ctx = scripts.Context(
            profile=scripts.resolve_profile(args.profile),
            at=_parse_at(args.at),
            channel=args.channel,
            agent_no=args.agent,
            customer=args.customer,
            number=args.number,
            promotion=args.promotion,
            referral=args.referral,
            step=args.step,
        )
        print(scripts.render(args.situation, ctx))
    except ValueError as exc:
        return _fail(str(exc))
    return 0


# ---------------------------------------------------------------- kefu qa


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(1, width - _width(text))


def _table(sheet: qa.ScoreSheet) -> str:
    verdict = "合格" if sheet.passed else "不合格"
    lines = [
        f"质检得分：{sheet.total} / {sheet.max_score}（{verdict}，合格线 {sheet.pass_score}）  品牌：{sheet.profile}  渠道：{sheet.channel}"
    ]
    header = ["结果", "项目", "扣分", "位置", "说明"]
    rows = [
        [
            "通过" if item.ok else "扣分",
            item.name,
            str(-item.deduction) if item.deduction else "0",
            "" if item.turn is None else f"第{item.turn + 1}句",
            item.detail,
        ]
        for item in sheet.items
    ]
    widths = [max(_width(r[i]) for r in [header, *rows]) + 2 for i in range(4)]
    for row in [header, *rows]:
        lines.append("".join(_pad(cell, widths[i]) for i, cell in enumerate(row[:4])) + row[4])
    return "\n".join(lines)


def qa_main(argv: list[str]) -> int:
    parser = _Parser(prog="kefu qa", description="对一通完整对话（JSON）质检评分。")
    parser.add_argument("file", metavar="FILE.json", help="对话记录文件（- 表示标准输入）")
    parser.add_argument("--format", choices=("json", "table"), default="json", help="输出格式")
    args = _run(parser, argv)
    if isinstance(args, int):
        return args
    try:
        raw = sys.stdin.read() if args.file == "-" else read_text(args.file)
    except (ValueError, UnicodeDecodeError) as exc:  # read_text's sentence; stdin that is not UTF-8
        return _fail(str(exc) if isinstance(exc, ValueError) else "标准输入不是 UTF-8 编码的文本")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        return _fail(f"文件“{args.file}”不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列")
    try:
        sheet = qa.score(data)
    except TranscriptError as exc:
        return _fail(f"对话记录格式错误：{exc}")
    if args.format == "table":
        print(_table(sheet))
    else:
        print(json.dumps(sheet.to_dict(), ensure_ascii=False, indent=2))
    return 0
