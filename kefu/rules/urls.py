from django.urls import path

from kefu.rules import views

urlpatterns = [
    path("", views.home, name="rules_home"),
    path("<slug:brand>/", views.forbidden_list, name="rules_forbidden"),
    path("<slug:brand>/forbidden/edit/", views.forbidden_edit, name="rules_forbidden_edit"),
    path("<slug:brand>/forbidden/<slug:rule>/", views.forbidden_action, name="rules_forbidden_action"),
    path("<slug:brand>/phrases/", views.phrase_list, name="rules_phrases"),
    path("<slug:brand>/phrases/<slug:situation>/", views.phrase_edit, name="rules_phrase_edit"),
    path("<slug:brand>/sla/", views.sla_list, name="rules_sla"),
    path("<slug:brand>/sla/<slug:ticket_type>/", views.sla_edit, name="rules_sla_edit"),
    path("<slug:brand>/history/", views.history, name="rules_history"),
    path("<slug:brand>/history/<int:change_id>/revert/", views.revert, name="rules_revert"),
    path("<slug:brand>/export/", views.export, name="rules_export"),
]
