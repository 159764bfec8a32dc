from django.contrib import admin

from kefu.admin_readonly import ReadOnlyAdmin
from kefu.qa.models import ScoreSheet, ScoreSheetEvent


class ScoreSheetEventInline(admin.TabularInline):
    model = ScoreSheetEvent
    extra = 0
    fields = (
        "at",
        "kind",
        "actor",
        "criterion",
        "old_deduction",
        "new_deduction",
        "old_total",
        "new_total",
        "reason",
    )
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ScoreSheet)
class ScoreSheetAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only here: reviews and appeals go through the sheet page, so each is recorded with its reason."""

    list_display = ("ticket", "agent", "channel", "total", "passed", "appeal", "scored_at", "reviewed_at")
    list_filter = ("passed", "appeal", "channel", "ticket__brand")
    search_fields = ("ticket__number", "agent__agent_no", "agent__display_name")
    date_hierarchy = "scored_at"
    inlines = [ScoreSheetEventInline]
