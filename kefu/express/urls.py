from django.urls import path

from kefu.express import desk_views, views

urlpatterns = [
    path("", desk_views.hub, name="express_hub"),
    path("query/", desk_views.query, name="express_query"),
    path("problems/", desk_views.problems, name="express_problems"),
    path("problems/<int:pk>/advance/", desk_views.problem_advance, name="express_problem_advance"),
    path("claims/", desk_views.claims, name="express_claims"),
    path("claims/<int:pk>/state/", desk_views.claim_state, name="express_claim_state"),
    path("complaints/new/", desk_views.complaint_new, name="express_complaint_new"),
    path("arrivals/", desk_views.arrivals, name="express_arrivals"),
    path("pickup/", views.pickup_form, name="express_pickup"),
    path("pickups/", views.pickups, name="express_pickups"),
    path("pickups/<int:pk>/", views.pickup_action, name="express_pickup_action"),
    path("imports/", views.imports_page, name="express_imports"),
    path("imports/<int:pk>/", views.import_job, name="express_import_job"),
    path("imports/<int:pk>/rerun/", views.import_job_rerun, name="express_import_rerun"),
    path("settlements/", views.settlement_list, name="express_settlements"),
    path("settlements/run/", views.settlement_run, name="express_settlement_run"),
    path("settlements/<str:month>/", views.settlement_detail, name="express_settlement"),
    path("settlements/<str:month>/xlsx/", views.settlement_download, name="express_settlement_xlsx"),
    path("statements/<int:pk>/", views.statement_detail, name="express_statement"),
]
