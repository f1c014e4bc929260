from django.urls import path

from accounts import helseid, views

urlpatterns = [
    path("login/", views.login, name="login"),
    path("login/kode/", views.otp_verify, name="otp_verify"),
    path("login/helseid/", helseid.helseid_start, name="helseid_login"),
    path("login/helseid/tilbake/", helseid.helseid_callback, name="helseid_callback"),
    path("logout/", helseid.LogoutView.as_view(), name="logout"),
    path("enhet/", views.choose_unit, name="choose_unit"),
    path("tofaktor/", views.otp_enrol, name="otp_enrol"),
    path("tofaktor/reservekoder/", views.otp_recovery_new, name="otp_recovery_new"),
    path("tofaktor/av/", views.otp_remove, name="otp_remove"),
    path("tofaktor/tilbakestill/", views.otp_reset, name="otp_reset"),
]
