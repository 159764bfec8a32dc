from kefu.express.management.commands._importcmd import ImportCommand


class Command(ImportCommand):
    kind = "scans"
    help = "导入扫描记录（CSV 或 JSON），列出被拒收的行号和原因；重复导入不会重复存储"
