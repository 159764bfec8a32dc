from django.urls import path

from kefu.express import views

urlpatterns = [
    path("pickup/", views.pickup_form, name="express_pickup"),
    path("settlements/", views.settlement_list, name="express_settlements"),
    path("settlements/run/", views.settlement_run, name="express_settlement_run"),
    path("settlements/<str:month>/", views.settlement_detail, name="express_settlement"),
    path("settlements/<str:month>/xlsx/", views.settlement_download, name="express_settlement_xlsx"),
    path("statements/<int:pk>/", views.statement_detail, name="express_statement"),
]
