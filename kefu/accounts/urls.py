from django.urls import path

from kefu.accounts import views

urlpatterns = [
    path("lockouts/", views.lockouts, name="account_lockouts"),
    path("lockouts/unlock/", views.unlock, name="account_unlock"),
]
