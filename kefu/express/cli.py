"""`kefu waybill …` and `kefu claim …` (pure: no Django is started).

Errors reach the user as one Chinese line on stderr with exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

from .rules import InputError, RulebookError, assess_claim_data, identify_waybill


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 2


def waybill_main(argv: list[str]) -> int:
    """kefu waybill identify NUMBER → JSON; exit 0 when some carrier fits, 1 when none."""
    parser = _Parser(prog="kefu waybill", description="识别运单号所属快递公司")
    sub = parser.add_subparsers(dest="action")
    identify = sub.add_parser("identify", help="识别运单号")
    identify.add_argument("number", nargs="+", help="运单号（可含空格）")
    try:
        args = parser.parse_args(argv)
    except _UsageError:
        return _fail("用法：kefu waybill identify 运单号")
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
    parser = _Parser(prog="kefu claim", description="理赔判定")
    sub = parser.add_subparsers(dest="action")
    assess = sub.add_parser("assess", help="判定一个理赔申请")
    assess.add_argument("file", help="理赔数据 JSON 文件（- 表示标准输入）")
    try:
        args = parser.parse_args(argv)
    except _UsageError:
        return _fail("用法：kefu claim assess 文件.json")
    if args.action != "assess":
        return _fail("用法：kefu claim assess 文件.json")
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except FileNotFoundError:
        return _fail(f"找不到文件：{args.file}")
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"无法读取文件 {args.file}：{exc}")
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
