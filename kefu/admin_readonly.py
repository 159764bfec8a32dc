"""Admin pages that show records but never change them: those records change only through services, which
append their history (tickets, score sheets)."""


class ReadOnlyAdmin:
    """Mixed into a ModelAdmin: no add, change or delete in 后台管理."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
