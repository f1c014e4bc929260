from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token

from accounts import otp
from accounts.forms import LoginForm, TokenForm, UnitChoiceForm
from accounts.units import SESSION_KEY, memberships_for
from pathways.web import form_action


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@sensitive_post_parameters()
@csrf_protect
@never_cache
def login(request):
    """Password first; users with a second factor then give a code before they are logged in.

    Failed attempts are counted and locked out by django-axes (its authentication backend and
    middleware), whatever the view: the form authenticates with the request.
    """
    next_url = _safe_next(request, resolve_url(settings.LOGIN_REDIRECT_URL))
    if request.user.is_authenticated:
        return redirect(next_url)
    form = LoginForm(request, data=request.POST or None)

    def log_in(data):
        user = form.get_user()
        if otp.has_device(user):
            otp.start_pending(request.session, user, next_url)
            return reverse("otp_verify")
        auth_login(request, user)
        return next_url

    return form_action(
        request,
        form,
        save=log_in,
        redirect_to=lambda target: target,
        template="includes/form_page.html",
        context={"heading": _("Log in"), "submit": _("Log in")},
    )


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

    def verify(data):
        device = match_token(user, data["token"])
        if device is not None:
            if state is not None:
                request.session.pop(otp.PENDING_KEY, None)
                user.otp_device = device  # django-otp keeps it in the session on login
                auth_login(request, user, backend=state["backend"])
            else:
                otp_login(request, device)
            return next_url
        if state is not None:
            state["failures"] += 1
            if state["failures"] >= otp.MAX_CODE_FAILURES:
                request.session.pop(otp.PENDING_KEY, None)
                messages.error(request, _("Too many wrong codes. Log in again."))
                return reverse("login")
            request.session[otp.PENDING_KEY] = state
        raise ValidationError({"token": _("The code is wrong or has expired. Try the next code.")})

    return form_action(
        request,
        TokenForm(request.POST or None),
        save=verify,
        redirect_to=lambda target: target,
        template="includes/form_page.html",
        context={
            "heading": _("Two-factor login"),
            "intro": _(
                "Open the authenticator app on your phone and enter the six-digit code for "
                "Samhandling."
            ),
            "submit": _("Confirm"),
        },
    )


@never_cache
@login_required
@sensitive_post_parameters("token")
def otp_enrol(request):
    """Set up a TOTP authenticator app: scan the QR code, confirm with one code."""
    if otp.has_device(request.user):
        return render(request, "accounts/otp_enrolled.html", {})
    device = otp.unconfirmed_device(request.user)

    def confirm(data):
        if not device.verify_token(data["token"]):
            raise ValidationError(
                {"token": _("The code is wrong or has expired. Try the next code.")}
            )
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)

    next_url = _safe_next(request, "")
    return form_action(
        request,
        TokenForm(request.POST or None),
        save=confirm,
        success=_("Two-factor login is on. You will be asked for a code when you log in."),
        redirect_to=next_url or reverse("otp_enrol"),
        template="accounts/otp_enrol.html",
        context={
            "heading": _("Set up two-factor login"),
            "submit": _("Confirm"),
            "qr": otp.qr_data_uri(device.config_url),
            "secret": otp.secret_for_display(device),
        },
    )


@require_POST
@login_required
def choose_unit(request):
    form = UnitChoiceForm(request.POST, memberships=memberships_for(request.user))

    def choose(data):
        request.session[SESSION_KEY] = data["membership"].pk
        return data["membership"]

    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = reverse("pathways:patient_list")
    return form_action(
        request,
        form,
        save=choose,
        success=lambda membership: _("You now act for %(unit)s.") % {"unit": membership.unit.name},
        redirect_to=target,
        template="includes/form_page.html",
        context={"heading": _("Change unit"), "submit": _("Change unit"), "cancel_url": target},
    )


@never_cache
def healthz(request):
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
