from django.contrib import admin, messages

from kefu.accounts import access
from kefu.admin_scoped import BrandScopedAdmin
from kefu.brands.forms import CalendarYearForm
from kefu.brands.models import Brand, CalendarYear

# What a brand's supervisor maintains in 后台管理; the rest of a brand is the admin's.
SUPERVISOR_FIELDS = (
    "service_start",
    "service_end",
    "open_on_holidays",
    "overflow_after_seconds",
    "leave_message_after_seconds",
)


@admin.register(Brand)
class BrandAdmin(BrandScopedAdmin):
    brand_field = ""  # the row is the brand
    list_display = ("name", "code", "hotline", "profile", "service_start", "service_end", "open_on_holidays")
    actions = ["rotate_identity_secret"]

    def has_add_permission(self, request):
        return access.can(request.user, "brand.all")

    def has_delete_permission(self, request, obj=None):
        return access.can(request.user, "brand.all")

    def get_readonly_fields(self, request, obj=None):
        from kefu.brands.services import brand_identity_secret_visible

        fields = list(super().get_readonly_fields(request, obj))
        if not access.can(request.user, "brand.all"):
            fields += [
                f.name
                for f in Brand._meta.fields
                if f.editable and not f.primary_key and f.name not in SUPERVISOR_FIELDS
            ]
        if obj is not None and brand_identity_secret_visible(request.user):
            fields.append("identity_secret")
        return fields

    def get_actions(self, request):
        from kefu.brands.services import brand_identity_secret_visible

        actions = super().get_actions(request)
        if not brand_identity_secret_visible(request.user):
            actions.pop("rotate_identity_secret", None)
        return actions

    @admin.action(description="重新生成身份验证密钥（旧密钥的签名随即失效）")
    def rotate_identity_secret(self, request, queryset):
        from kefu.brands.services import brand_rotate_identity_secret

        for brand in queryset:
            brand_rotate_identity_secret(brand=brand, actor=request.user)
            self.log_change(request, brand, "重新生成身份验证密钥")
        self.message_user(
            request,
            f"已为 {queryset.count()} 个品牌重新生成身份验证密钥，请把新密钥交给品牌网站的开发人员。",
            messages.SUCCESS,
        )


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """A year's holidays entered as the notice's lines with Chinese names (kefu.brands.forms), checked against
    the lunar estimate; errors beside the field, what was typed kept."""

    form = CalendarYearForm
    list_display = ("year", "source", "loaded_at")

    def save_model(self, request, obj, form, change):
        from kefu.brands.services import calendar_year_load

        schedule = form.cleaned_data["schedule"].to_dict()
        loaded = calendar_year_load(year=obj.year, schedule=schedule, source=obj.source)
        obj.pk, obj.schedule = loaded.pk, loaded.schedule
