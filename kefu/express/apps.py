from django.apps import AppConfig


class ExpressConfig(AppConfig):
    name = "kefu.express"
    label = "express"
    verbose_name = "快递业务"

    def ready(self) -> None:
        from kefu.customers.selectors import TIMELINE_PROVIDERS
        from kefu.express.selectors import waybill_timeline

        if waybill_timeline not in TIMELINE_PROVIDERS:
            TIMELINE_PROVIDERS.append(waybill_timeline)
