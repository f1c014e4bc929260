from django.urls import path

from pathways.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.start, name="start"),
    path("viktig/", views.what_matters, name="what_matters"),
    path("slik-har-jeg-det/", views.self_rating, name="self_rating"),
    path("enig/", views.agreement, name="agreement"),
    path("innlogging/", views.login, name="login"),
    path("innlogging/idporten/", views.idporten_start, name="idporten_login"),
    path("innlogging/idporten/tilbake/", views.idporten_callback, name="idporten_callback"),
    path("innlogging/demo/", views.demo_login, name="demo_login"),
    path("logg-ut/", views.logout_view, name="logout"),
    path("logget-ut/", views.logged_out, name="logged_out"),
]
