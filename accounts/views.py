from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token

from accounts import otp
from accounts.forms import LoginForm, TokenForm
from accounts.redirects import safe_next
from accounts.units import SESSION_KEY, memberships_for


class LoginView(auth_views.LoginView):
    """Password first; users with a second factor then give a code before they are logged in."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_redirect_url(self):
        # Only a path on this site (Django's check alone lets ``foo`` through).
        return safe_next(self.request, "", value=super().get_redirect_url())

    def form_valid(self, form):
        user = form.get_user()
        if otp.has_device(user):
            otp.start_pending(self.request.session, user, self.get_success_url())
            return redirect("otp_verify")
        return super().form_valid(form)


def _safe_next(request, default: str) -> str:
    return safe_next(request, default)


@never_cache
@sensitive_post_parameters("token")
def otp_verify(request):
    """The second step of logging in, or a step-up for a logged-in user (e.g. for the admin)."""
    if request.user.is_authenticated:
        if request.user.is_verified():
            return redirect(_safe_next(request, "/"))
        user, state = request.user, None
        next_url = _safe_next(request, "/")
    else:
        state = otp.pending(request.session)
        if state is None:
            messages.error(request, _("Log in again."))
            return redirect("login")
        user = get_user_model().objects.filter(pk=state["user"], is_active=True).first()
        if user is None:
            request.session.pop(otp.PENDING_KEY, None)
            return redirect("login")
        next_url = state["next"]
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            if state is not None:
                request.session.pop(otp.PENDING_KEY, None)
                user.otp_device = device  # django-otp keeps it in the session on login
                auth_login(request, user, backend=state["backend"])
            else:
                otp_login(request, device)
            return redirect(next_url)
        if state is not None:
            state["failures"] += 1
            if state["failures"] >= otp.MAX_CODE_FAILURES:
                request.session.pop(otp.PENDING_KEY, None)
                messages.error(request, _("Too many wrong codes. Log in again."))
                return redirect("login")
            request.session[otp.PENDING_KEY] = state
        form.add_error("token", _("The code is wrong or has expired. Try the next code."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url})


@never_cache
@login_required
@sensitive_post_parameters("token")
def otp_enrol(request):
    """Set up a TOTP authenticator app: scan the QR code, confirm with one code."""
    if otp.has_device(request.user):
        return render(request, "accounts/otp_enrolled.html", {})
    device = otp.unconfirmed_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(
                request, _("Two-factor login is on. You will be asked for a code when you log in.")
            )
            return redirect(_safe_next(request, "otp_enrol"))
        form.add_error("token", _("The code is wrong or has expired. Try the next code."))
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "qr": otp.qr_data_uri(device.config_url),
            "secret": otp.secret_for_display(device),
            "next": _safe_next(request, ""),
        },
    )


@require_POST
@login_required
def choose_unit(request):
    try:
        membership_id = int(request.POST.get("membership", ""))
    except ValueError:
        membership_id = None
    membership = memberships_for(request.user).filter(pk=membership_id).first()
    if membership is None:
        messages.error(request, _("Choose one of your units."))
    else:
        request.session[SESSION_KEY] = membership.pk
        messages.success(request, _("You now act for %(unit)s.") % {"unit": membership.unit.name})
    return redirect(safe_next(request, "pathways:patient_list", value=request.POST.get("next", "")))


@never_cache
def healthz(request):
    from django.conf import settings

    body = {"database": "ok", "redis": "not configured", "version": settings.VERSION}
    status = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means the database is unavailable
        body["database"] = "down"
        status = 503
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
            ).ping()
            body["redis"] = "ok"
        except redis.RedisError:
            body["redis"] = "down"
    return JsonResponse(body, status=status)


@login_required
def floor(request):
    """A page with no queries beyond session and user: the baseline for load benchmarks.

    It shows no data; the header's unit switch is left out so that no membership is read.
    """
    request.active_membership = None
    request.memberships = []
    return render(request, "accounts/floor.html")
