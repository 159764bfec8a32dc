from kefu.express.management.commands._importcmd import ImportCommand


class Command(ImportCommand):
    kind = "waybills"
    help = "导入运单（CSV 或 JSON），列出被拒收的行号和原因；重复导入不会重复存储"
