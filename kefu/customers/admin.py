from django.contrib import admin

from kefu.customers.models import Customer, CustomerAccessLog


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "brand", "phone", "company", "contract_code", "vip_level")
    list_filter = ("brand", "vip_level")
    search_fields = ("name", "phone", "company", "contract_code")


@admin.register(CustomerAccessLog)
class CustomerAccessLogAdmin(admin.ModelAdmin):
    list_display = ("customer", "user", "at", "reason")
    readonly_fields = ("customer", "user", "at", "reason")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
