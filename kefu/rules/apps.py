from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "kefu.rules"
    verbose_name = "规则"
