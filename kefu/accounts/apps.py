from django.apps import AppConfig
from django.db.models.signals import pre_save


def _audit_on_kefus_clock(sender, instance, **kwargs):
    """Audit entries are dated by kefu's one clock (KEFU_NOW in the demo and tests), like every other row."""
    from kefu.timeutil import local_now

    if instance._state.adding:
        instance.timestamp = local_now()


class AccountsConfig(AppConfig):
    name = "kefu.accounts"
    verbose_name = "人员与权限"

    def ready(self) -> None:
        from auditlog.models import LogEntry

        pre_save.connect(_audit_on_kefus_clock, sender=LogEntry, dispatch_uid="kefu-audit-clock")
