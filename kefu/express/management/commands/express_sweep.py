from kefu.command import KefuCommand
from kefu.express.services import pickup_sweep


class Command(KefuCommand):
    help = "检查超时未取件的订单并告知客户（每单只告知一次，可在多个节点重复运行）"

    def handle(self, *args, **options):
        told = pickup_sweep()
        self.stdout.write(f"已告知 {told} 位客户取件延迟。")
