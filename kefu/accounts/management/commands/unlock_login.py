"""kefu unlock-login: list login lockouts, or lift one (an account or an address) at the server."""

import json

from kefu.accounts.lockout import lockouts_current, login_unlock
from kefu.command import KefuCommand


class Command(KefuCommand):
    help = "列出被锁定的登录账号和地址，或解除锁定 (--username 账号 / --address 地址)"

    def add_arguments(self, parser):
        parser.add_argument("--username", help="解锁这个账号")
        parser.add_argument("--address", help="解锁这个地址 (IP)")

    def handle(self, *args, username=None, address=None, **options):
        if not username and not address:
            locks = [
                {
                    "kind": lock.kind_label,
                    "value": lock.value,
                    "failures": lock.failures,
                    "last_failure": lock.last_failure.isoformat(),
                }
                for lock in lockouts_current()
            ]
            self.stdout.write(json.dumps({"lockouts": locks}, ensure_ascii=False))
            return
        removed = login_unlock(actor=None, username=username, address=address)
        # Nothing recorded is not an error: the account or address is unlocked either way.
        self.stdout.write(
            json.dumps({"unlocked": username or address, "failures_forgotten": removed}, ensure_ascii=False)
        )
