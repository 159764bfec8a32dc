from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "kefu.customers"
    verbose_name = "客户"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from kefu.customers.models import Customer

        auditlog.register(Customer, exclude_fields=["created_at", "phone_tail"])  # phone_tail: the database's
