from django.apps import AppConfig


class ExpressConfig(AppConfig):
    name = "kefu.express"
    label = "express"
    verbose_name = "快递业务"

    def ready(self) -> None:
        from kefu.customers.selectors import TIMELINE_PROVIDERS
        from kefu.express.selectors import waybill_timeline
        from kefu.jobs.registry import register

        register("express.import", "导入", "kefu.express.jobs.run_import")
        register("express.settle", "月结", "kefu.express.jobs.run_settlement")

        if waybill_timeline not in TIMELINE_PROVIDERS:
            TIMELINE_PROVIDERS.append(waybill_timeline)
