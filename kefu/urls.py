from django.contrib import admin
from django.urls import include, path

from kefu import health
from kefu.admin_scoped import may_enter
from kefu.api import api

admin.site.site_header = "kefu 客服系统 · 后台管理"
admin.site.site_title = "kefu 后台管理"
admin.site.index_title = "后台管理"
admin.site.has_permission = (
    may_enter  # supervisors too, for the brand models they maintain (kefu.admin_scoped)
)

urlpatterns = [
    path("readyz/", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("accounts/", include("kefu.accounts.urls")),
    path("express/", include("kefu.express.urls")),
    path("qa/", include("kefu.qa.urls")),
    path("rules/", include("kefu.rules.urls")),
    path("", include("kefu.chat.urls")),
    path("", include("kefu.tickets.urls")),
]
