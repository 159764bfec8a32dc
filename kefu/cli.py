"""The `kefu` command.

Pure commands (the manuals as code) run without starting Django, so `kefu check`
stays fast in a pipeline. Everything else is a Django management command, with
hyphens in the name read as underscores (`kefu demo-data` runs `demo_data`), run through `kefu.command` so
that bad arguments, a database not yet created and any other failure end in one Chinese line on stderr with
exit status 2 (1 for a bug), never a traceback. Django's own commands (`kefu migrate`) get the same treatment.
"""

import difflib
import importlib
import os
import sys

from kefu import timeutil

# command -> "module:function"; each function takes argv (without the command) and returns an exit code.
PURE_COMMANDS = {
    "check": "kefu.standards.cli:check_main",
    "script": "kefu.standards.cli:script_main",
    "qa": "kefu.standards.cli:qa_main",
    "waybill": "kefu.express.cli:waybill_main",
    "claim": "kefu.express.cli:claim_main",
}

USAGE = """用法: kefu <命令> [参数]

  serve                启动服务 (http://127.0.0.1:8000)，并在旁边运行后台任务 (--workers N 多进程)
  worker               运行后台任务 (导入、月结) 与每分钟的超时检测 (可在多个节点上运行)
  migrate              建立或升级数据库
  demo-data            载入演示数据
  calendar ...         工作日历: is-workday DATE | add-working-days DATETIME N |
                       add-working-hours DATETIME H | load-year FILE | show-year YEAR
  sla due ...          计算工单的 SLA 到期时间
  sla sweep            检测超时工单 (可在多个节点并行运行)
  check [TEXT]         检查回复是否含服务忌语
  script SITUATION     生成规范话术 (--list 列出情景)
  qa FILE.json         对一通完整对话质检评分
  waybill identify N   识别运单号所属快递公司
  claim assess FILE    理赔判定
  import-waybills|import-scans|import-fees FILE   导入运单/扫描/面单费用 (CSV 或 JSON)
  settle --month 2026-10   月结对账 (--xlsx 导出 Excel)
  express-sweep        告知客户取件延迟
  sent-not-arrived --station CODE   有发无到 (--open-tickets 开跟进工单)
  rules export|import|diff --brand B   品牌规则 (忌语、话术) 的导出、导入与比较
  unlock-login         列出被锁定的登录账号和地址；--username / --address 解除锁定

每个命令加 --help 查看详细参数 (或 kefu help <命令>)。参数有误时在标准错误输出一行中文说明，退出码 2。"""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["help"] and len(argv) > 1:
        argv = [argv[1], "--help"]  # kefu help calendar = kefu calendar --help
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    command, rest = argv[0], argv[1:]
    try:
        timeutil.clock_setting()  # a bad KEFU_NOW is one clear line here, not a traceback later
    except timeutil.ClockError as error:
        print(f"KEFU_NOW：{error}", file=sys.stderr)
        return 2
    if command in PURE_COMMANDS:
        module_name, func_name = PURE_COMMANDS[command].split(":")
        func = getattr(importlib.import_module(module_name), func_name)
        return int(func(rest) or 0)
    return _django_main(command, rest)


def _django_main(command: str, rest: list[str]) -> int:
    """Run a management command through kefu.command (Chinese errors, exit 2), Django's own ones included."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import BaseCommand, get_commands

    try:
        django.setup()
    except ImproperlyConfigured as error:
        print(f"配置错误：{error}", file=sys.stderr)
        return 2
    from kefu.command import kefu_command_class

    name = command.replace("-", "_")
    app = get_commands().get(name)
    if app is None or command.startswith("-"):
        known = sorted({*PURE_COMMANDS, *(n.replace("_", "-") for n in get_commands())})
        close = difflib.get_close_matches(command, known, n=1)
        hint = f"，是不是 kefu {close[0]}？" if close else ""
        print(f"kefu：未知命令“{command}”{hint}（kefu --help 列出全部命令）", file=sys.stderr)
        return 2
    if isinstance(app, BaseCommand):  # a command registered as an instance (Django does so for a few)
        command_class: type[BaseCommand] = type(app)
    else:
        command_class = importlib.import_module(f"{app}.management.commands.{name}").Command
    kefu_command_class(command_class)().run_from_argv(["kefu", command, *rest])
    return 0


if __name__ == "__main__":
    sys.exit(main())
