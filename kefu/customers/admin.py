from django.contrib import admin

from kefu.accounts import access
from kefu.admin_readonly import ReadOnlyAdmin
from kefu.customers.models import Customer, CustomerAccessLog
from kefu.customers.services import customer_open


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """The admin opens a customer's record like every page: scoped to the brands the person serves, logged."""

    list_display = ("name", "brand", "phone", "company", "contract_code", "vip_level")
    list_filter = ("brand", "vip_level")
    search_fields = ("name", "phone", "company", "contract_code")

    def get_queryset(self, request):
        return access.scoped(super().get_queryset(request), request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        customer = self.get_object(request, object_id)
        if customer is not None:
            customer_open(customer=customer, user=request.user, via="后台管理 客户资料")
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(CustomerAccessLog)
class CustomerAccessLogAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("customer_name", "brand", "user", "at", "via", "reason")
    list_filter = ("brand", "via")
    search_fields = ("customer_name", "user__agent_no", "user__display_name")
