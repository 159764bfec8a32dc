from django.contrib import admin

from kefu.admin_scoped import BrandScopedAdmin, BrandScopedInline
from kefu.express.models import Courier, Station


class CourierInline(BrandScopedInline):
    model = Courier
    extra = 1
    fields = ("name", "phone", "area", "active")


@admin.register(Station)
class StationAdmin(BrandScopedAdmin):
    """A brand's stations with their couriers and the areas they collect in (pickups are dispatched by area)."""

    list_display = ("code", "name", "brand", "province", "city", "district", "phone")
    list_filter = (("brand", admin.RelatedOnlyFieldListFilter), "province")
    search_fields = ("code", "name", "city", "district")
    inlines = [CourierInline]


@admin.register(Courier)
class CourierAdmin(BrandScopedAdmin):
    brand_field = "station__brand"
    list_display = ("name", "station", "area", "phone", "active")
    list_filter = ("active", ("station__brand", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "area", "phone", "station__name")
