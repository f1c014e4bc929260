"""Staff login with HelseID (OpenID Connect, PKCE, private_key_jwt), beside password + TOTP.

The HelseID person identity (the national id in ``HELSEID_PID_CLAIM``) finds the staff account
through ``UserIdentity.helseid_pid``, which an administrator records; nobody is created here.
HelseID itself is a two-factor login, so no TOTP code is asked afterwards.
"""

import logging

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from requests import RequestException

from accounts import oidc
from accounts.models import UserIdentity
from accounts.redirects import safe_next

log = logging.getLogger(__name__)

# The provider's ID token and which provider it came from, for logging out there too.
OIDC_SESSION_KEY = "oidc_login"
NEXT_KEY = "helseid_next"
# HelseID's level of assurance of the person's login, and the levels in order.
ASSURANCE_CLAIM = "helseid://claims/identity/assurance_level"
LEVELS = ("low", "substantial", "high")


def assurance_enough(claims: dict) -> bool:
    """The login is at least ``HELSEID_ASSURANCE_LEVEL``; a missing or unknown level is not."""
    level = str(claims.get(ASSURANCE_CLAIM) or "")
    return level in LEVELS and LEVELS.index(level) >= LEVELS.index(settings.HELSEID_ASSURANCE_LEVEL)


def login_failed(request, message: str, *, status: int, login_url: str):
    return render(
        request,
        "accounts/login_failed.html",
        {"message": message, "login_url": login_url},
        status=status,
    )


@never_cache
@require_GET
def helseid_start(request):
    if not oidc.helseid_enabled():
        raise Http404
    request.session[NEXT_KEY] = safe_next(request, resolve_url(settings.LOGIN_REDIRECT_URL))
    try:
        return oidc.client(oidc.HELSEID).authorize_redirect(
            request, request.build_absolute_uri(reverse("helseid_callback"))
        )
    except RequestException:
        log.warning("HelseID did not answer", exc_info=True)
        return login_failed(
            request,
            _("HelseID does not answer right now. Try again in a little while."),
            status=503,
            login_url=reverse("login"),
        )


@never_cache
@require_GET
def helseid_callback(request):
    if not oidc.helseid_enabled():
        raise Http404
    again = reverse("login")
    try:
        result = oidc.finish_login(request, oidc.HELSEID)
    except oidc.LOGIN_ERRORS as exc:
        log.info("HelseID login refused: %s", exc)
        return login_failed(
            request,
            _("The login with HelseID could not be completed. Start again."),
            status=400,
            login_url=again,
        )
    if not assurance_enough(result["claims"]):
        log.info("HelseID login refused: level %r", result["claims"].get(ASSURANCE_CLAIM))
        return login_failed(
            request,
            _(
                "You logged in with HelseID at a lower security level than Samhandling needs. "
                "Log in again with BankID or another high-level login."
            ),
            status=403,
            login_url=again,
        )
    pid = str(result["claims"].get(settings.HELSEID_PID_CLAIM) or "")
    identity = (
        UserIdentity.objects.select_related("user")
        .filter(helseid_pid=pid, kind=UserIdentity.Kind.STAFF, user__is_active=True)
        .first()
        if pid
        else None
    )
    if identity is None:
        return login_failed(
            request,
            _(
                "You logged in with HelseID, but you have no user account in Samhandling. "
                "Ask the leader of your unit or the administrator to connect your HelseID."
            ),
            status=403,
            login_url=again,
        )
    next_url = request.session.pop(NEXT_KEY, None) or resolve_url(settings.LOGIN_REDIRECT_URL)
    auth_login(request, identity.user, backend="accounts.backends.StaffBackend")
    request.session[OIDC_SESSION_KEY] = {"provider": oidc.HELSEID, "id_token": result["id_token"]}
    return redirect(next_url)


class LogoutView(auth_views.LogoutView):
    """Django's logout; after a HelseID login it ends the session at HelseID as well."""

    def post(self, request, *args, **kwargs):
        login = request.session.get(OIDC_SESSION_KEY) or {}
        response = super().post(request, *args, **kwargs)
        if login.get("provider") == oidc.HELSEID and oidc.helseid_enabled():
            try:
                url = oidc.logout_url(
                    oidc.HELSEID,
                    id_token=login["id_token"],
                    post_logout_redirect_uri=request.build_absolute_uri(reverse("login")),
                )
            except RequestException:
                url = None
            if url:
                return redirect(url)
        return response
