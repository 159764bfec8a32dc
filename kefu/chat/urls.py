from django.contrib.auth import views as auth_views
from django.urls import path

from kefu.chat import views

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="chat/login.html", next_page="/desk/", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="/login/"), name="logout"),
    path("desk/", views.desk, name="chat_desk"),
    path("desk/status/", views.desk_status, name="chat_status"),
    path("desk/offers/", views.desk_offers, name="chat_offers"),
    path("desk/offers/<int:offer_id>/claim/", views.offer_claim, name="chat_claim"),
    path("desk/tickets/<str:number>/", views.workspace, name="chat_workspace"),
    path("desk/tickets/<str:number>/action/", views.workspace_action, name="chat_workspace_action"),
    path("desk/tickets/<str:number>/panels/", views.workspace_panels, name="chat_workspace_panels"),
    path("desk/chats/mine/", views.my_chats, name="chat_mine"),
    path("desk/check/", views.chat_check, name="chat_check"),
    path("desk/chats/<int:session_id>/reply/", views.chat_reply, name="chat_reply"),
    path("desk/chats/<int:session_id>/end/", views.chat_end, name="chat_end"),
    path("desk/chats/<int:session_id>/take-over/", views.chat_take_over, name="chat_take_over"),
    path("desk/supervisor/", views.supervisor, name="chat_supervisor"),
    path("desk/attendance/", views.attendance, name="chat_attendance"),
    path("chat/<slug:brand>/", views.customer_chat, name="chat_customer"),
    path("chat/<slug:brand>/start/", views.customer_start, name="chat_customer_start"),
    path("chat/s/<uuid:token>/upload/", views.customer_upload, name="chat_customer_upload"),
    path("chat/s/<uuid:token>/leave/", views.customer_leave, name="chat_customer_leave"),
    path("chat/s/<uuid:token>/rate/", views.customer_rate, name="chat_customer_rate"),
    path("chat/attachments/<int:message_id>/", views.attachment, name="chat_attachment"),
    path("healthz/", views.healthz, name="healthz"),
]
