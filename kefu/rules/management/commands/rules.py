import yaml
from django.core.management.base import CommandError

from kefu.brands.selectors import brand_get
from kefu.cliargs import EXIT_USAGE
from kefu.command import KefuCommand, readable_file, writable_file
from kefu.rules import selectors, services


class Command(KefuCommand):
    help = "品牌规则（服务忌语、话术与 SLA 时限）的导出、导入与比较，便于纳入版本管理"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="子命令")
        p = sub.add_parser("export", help="导出品牌对出厂规则的全部修改 (YAML)")
        p.add_argument("--brand", required=True, help="品牌代码或名称")
        p.add_argument("--out", default="", help="写入该文件 (默认输出到屏幕)")
        p = sub.add_parser("import", help="按文件设定品牌的修改：文件中没有的规则恢复出厂")
        p.add_argument("--brand", required=True, help="品牌代码或名称")
        p.add_argument("file", metavar="文件", help="kefu rules export 导出的 YAML")
        p.add_argument("--reason", default="命令行导入", help="记入修改记录的理由")
        p = sub.add_parser("diff", help="列出导入该文件会改动的规则，不做修改")
        p.add_argument("--brand", required=True, help="品牌代码或名称")
        p.add_argument("file", metavar="文件", help="kefu rules export 导出的 YAML")

    def handle(self, *args, action, brand, **options):
        found = brand_get(brand)
        if action == "export":
            text = selectors.export_yaml(found)
            if options["out"]:
                writable_file(options["out"]).write_text(text, encoding="utf-8")
            else:
                self.stdout.write(text, ending="")
            return
        data = _read(options["file"])
        if action == "diff":
            for section, key, what in selectors.diff(found, data):
                self.stdout.write(f"{what}\t{section}.{key}")
            return
        changes = services.rules_import(brand=found, data=data, actor=None, reason=options["reason"])
        self.stdout.write(f"已导入 {len(changes)} 处修改" if changes else "没有需要导入的修改")


def _read(name: str) -> dict:
    path = readable_file(name)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise CommandError(f"无法读取 {path.name}：不是 UTF-8 编码的文本", returncode=EXIT_USAGE) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"：第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else ""
        raise CommandError(f"{path.name} 不是有效的 YAML{where}", returncode=EXIT_USAGE) from exc
    if not isinstance(data, dict):
        raise CommandError(f"{path.name} 应是 kefu rules export 导出的规则文件", returncode=EXIT_USAGE)
    return data
