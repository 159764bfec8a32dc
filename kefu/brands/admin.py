from django.contrib import admin

from kefu.brands.models import Brand, CalendarYear


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "hotline", "profile", "service_start", "service_end", "open_on_holidays")


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "loaded_at")

    def save_model(self, request, obj, form, change):
        from kefu.brands.services import calendar_year_load

        calendar_year_load(year=obj.year, schedule=obj.schedule, source=obj.source)
