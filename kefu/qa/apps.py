from django.apps import AppConfig


class QaConfig(AppConfig):
    name = "kefu.qa"
    verbose_name = "质检"
