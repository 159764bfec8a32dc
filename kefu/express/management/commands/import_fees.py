from kefu.express.management.commands._importcmd import ImportCommand


class Command(ImportCommand):
    kind = "fees"
    help = "导入面单费用记录（CSV 或 JSON），列出被拒收的行号和原因；重复导入不会重复存储"
