from django.contrib import admin

from kefu.admin_readonly import ReadOnlyAdmin
from kefu.jobs.models import Job, WorkerBeat


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "status",
        "brand",
        "created_by",
        "created_at",
        "attempts",
        "lease_until",
        "note",
    )
    list_filter = ("status", "kind", "brand")
    search_fields = ("error",)
    date_hierarchy = "created_at"


@admin.register(WorkerBeat)
class WorkerBeatAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("name", "processes", "started_at", "seen_at", "alive")

    @admin.display(boolean=True, description="在运行")
    def alive(self, beat: WorkerBeat) -> bool:
        return beat.alive
