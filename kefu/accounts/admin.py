from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from kefu.accounts.models import ApiToken, Department, Team, User


@admin.register(User)
class AgentAdmin(UserAdmin):
    list_display = ("username", "display_name", "agent_no", "role", "team", "is_active")
    list_filter = ("role", "team", "is_active")
    search_fields = ("username", "display_name", "agent_no")
    fieldsets = (*UserAdmin.fieldsets, ("坐席信息", {"fields": ("agent_no", "display_name", "role", "team")}))
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("坐席信息", {"fields": ("agent_no", "display_name", "role", "team")}),
    )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "chat_capacity", "accept_seconds", "max_on_break")
    filter_horizontal = ("brands",)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "phone")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "created_at")
    readonly_fields = ("key", "created_at")
