from django.contrib import admin

from kefu.admin_readonly import ReadOnlyAdmin
from kefu.tickets.models import SlaClock, Ticket, TicketEvent, TicketType


@admin.register(TicketType)
class TicketTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "base_priority", "is_complaint", "active")

    def get_readonly_fields(self, request, obj=None):
        # the code is how the SLA rulebook and the code find a type: it is set once; the name may change
        return ("code",) if obj is not None else ()


class EventInline(admin.TabularInline):
    model = TicketEvent
    fields = ("at", "kind", "actor", "changes", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only here: every change goes through a service so that it is recorded as an event."""

    list_display = (
        "number",
        "brand",
        "type",
        "channel",
        "status",
        "priority",
        "subject",
        "assignee",
        "created_at",
    )
    list_filter = ("brand", "type", "status", "channel", "priority")
    search_fields = ("number", "subject", "waybill_number", "customer__name", "customer__phone")
    inlines = [EventInline]


@admin.register(SlaClock)
class SlaClockAdmin(admin.ModelAdmin):
    list_display = ("ticket", "name", "clock", "due_at", "paused_at", "met_at", "breached_at")
    list_filter = ("code", "clock")

    def has_change_permission(self, request, obj=None):
        return False
