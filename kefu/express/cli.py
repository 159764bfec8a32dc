"""`kefu waybill …` and `kefu claim …` (pure: no Django is started).

Errors reach the user as one Chinese line on stderr with exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any

from kefu.cliargs import ChineseArgumentParser, UsageError, read_text

from .rules import InputError, RulebookError, assess_claim_data, identify_waybill


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 2


def waybill_main(argv: list[str]) -> int:
    """kefu waybill identify NUMBER → JSON; exit 0 when some carrier fits, 1 when none."""
    parser = ChineseArgumentParser(prog="kefu waybill", description="识别运单号所属快递公司")
    sub = parser.add_subparsers(dest="action", metavar="子命令")
    identify = sub.add_parser("identify", help="识别运单号")
    identify.add_argument("number", nargs="+", metavar="运单号", help="运单号（可含空格）")
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return exc.returncode
    if args.action != "identify":
        return _fail("用法：kefu waybill identify 运单号")
    try:
        result = identify_waybill(" ".join(args.number))
    except RulebookError as exc:
        return _fail(str(exc))
    _print_json(result.to_dict())
    return 0 if result.candidates else 1


def claim_main(argv: list[str]) -> int:
    """kefu claim assess FILE.json → the decision as JSON; bad input → exit 2."""
    parser = ChineseArgumentParser(prog="kefu claim", description="理赔判定")
    sub = parser.add_subparsers(dest="action", metavar="子命令")
    assess = sub.add_parser("assess", help="判定一个理赔申请")
    assess.add_argument("file", metavar="文件.json", help="理赔数据 JSON 文件（- 表示标准输入）")
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return exc.returncode
    if args.action != "assess":
        return _fail("用法：kefu claim assess 文件.json")
    try:
        text = sys.stdin.read() if args.file == "-" else read_text(args.file)
    except (ValueError, UnicodeDecodeError) as exc:  # read_text's sentence; stdin that is not UTF-8
        return _fail(str(exc) if isinstance(exc, ValueError) else "标准输入不是 UTF-8 编码的文本")
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        return _fail(f"文件不是有效的 JSON（第 {exc.lineno} 行）")
    try:
        decision = assess_claim_data(data)
    except InputError as exc:
        return _fail(exc.message)
    except RulebookError as exc:
        return _fail(str(exc))
    except (TypeError, ValueError, KeyError, ArithmeticError) as exc:
        # parse_claim validates every field; this only keeps a traceback from a user
        return _fail(f"理赔数据格式错误：{exc}")
    _print_json(decision.to_dict())
    return 0
