"""后台管理 for supervisors: the models a brand's supervisor maintains (its stations, couriers, service hours), each
scoped by kefu/accounts/access.py like every page — a supervisor lists, opens and changes only the rows of the
brands they serve; an admin every row. The other models stay the admin's (Django's model permissions)."""

from django.contrib import admin

from kefu.accounts import access


def may_enter(request) -> bool:
    """Who may open 后台管理: staff as Django has it, and every supervisor (for the models below)."""
    user = request.user
    return bool(user.is_active and (user.is_staff or access.can(user, "brand.maintain")))


class BrandScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows belong to a brand through ``brand_field``; `brand.maintain` gives view, add,
    change and delete within the brands the person serves."""

    brand_field = "brand"

    def _brand_of(self, obj):
        for part in filter(None, self.brand_field.split("__")):  # "": the row is the brand
            obj = getattr(obj, part)
        return obj

    def _may(self, request, obj=None) -> bool:
        if not access.can(request.user, "brand.maintain"):
            return False
        return obj is None or access.serves(request.user, self._brand_of(obj))

    def has_module_permission(self, request):
        return self._may(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_add_permission(self, request):
        return self._may(request)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, obj)

    def get_queryset(self, request):
        return access.scoped(super().get_queryset(request), request.user, self.brand_field or "pk")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # a supervisor picks only among the brands (or their stations) they serve
        related = db_field.related_model
        if related._meta.label == "brands.Brand":
            kwargs["queryset"] = access.brands_for(request.user)
        elif hasattr(related, "brand"):
            kwargs["queryset"] = access.scoped(related.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class BrandScopedInline(admin.TabularInline):
    """Rows shown inside a brand-scoped row (a station's couriers): whoever may change the row changes them."""

    def _may(self, request) -> bool:
        return access.can(request.user, "brand.maintain")

    def has_view_permission(self, request, obj=None):
        return self._may(request)

    def has_change_permission(self, request, obj=None):
        return self._may(request)

    def has_add_permission(self, request, obj=None):
        return self._may(request)

    def has_delete_permission(self, request, obj=None):
        return self._may(request)
