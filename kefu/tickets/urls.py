from django.urls import path
from django.views.generic import RedirectView

from kefu.tickets import views

urlpatterns = [
    path("", RedirectView.as_view(url="/tickets/", permanent=False)),
    path("tickets/", views.ticket_list, name="ticket_list"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/breaches/", views.breach_list, name="breach_list"),
    path("tickets/<str:number>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<str:number>/action/", views.ticket_action, name="ticket_action"),
]
