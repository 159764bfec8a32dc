from django.apps import AppConfig


class BrandsConfig(AppConfig):
    name = "kefu.brands"
    verbose_name = "品牌"
