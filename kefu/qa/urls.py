from django.urls import path

from kefu.qa import views

urlpatterns = [
    path("", views.sheet_list, name="qa_list"),
    path("<int:sheet_id>/", views.sheet_detail, name="qa_sheet"),
    path("<int:sheet_id>/action/", views.sheet_action, name="qa_sheet_action"),
]
