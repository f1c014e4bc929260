"""The admin site: with REQUIRE_ADMIN_OTP on, only users verified by a second factor get in."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from accounts.otp import has_device


class AdminSite(admin.AdminSite):
    site_header = _("Samhandling administration")
    site_title = _("Samhandling administration")

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        return not settings.REQUIRE_ADMIN_OTP or request.user.is_verified()

    def login(self, request, extra_context=None):
        # One login for the whole app, so the second factor cannot be skipped here.
        next_url = request.GET.get("next") or reverse("admin:index")
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url, reverse("login"))
        if user.is_active and user.is_staff and not self.has_permission(request):
            target = "otp_verify" if has_device(user) else "otp_enrol"
            return redirect(f"{reverse(target)}?{urlencode({'next': next_url})}")
        return super().login(request, extra_context)
