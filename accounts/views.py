from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import audit, oidc, otp
from accounts.forms import (
    EnrolForm,
    LoginForm,
    LoginTokenForm,
    OtpResetForm,
    PasswordCheckForm,
    UnitChoiceForm,
)
from accounts.models import Membership
from accounts.redirects import safe_next
from accounts.units import SESSION_KEY, memberships_for
from pathways.web import form_action


def _safe_next(request, default: str) -> str:
    return safe_next(request, default)


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
        template="accounts/login.html",
        context={
            "heading": _("Log in"),
            "submit": _("Log in"),
            "helseid_url": (
                f"{reverse('helseid_login')}?{urlencode({'next': next_url})}"
                if oidc.helseid_enabled()
                else ""
            ),
        },
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
        LoginTokenForm(request.POST or None),
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


def _enrolled_context(request, password_form=None) -> dict:
    """The page of a user with a second factor: recovery codes (new ones shown once), and
    forms to make new codes or turn the second factor off, each behind the password."""
    codes = request.session.pop(otp.RECOVERY_SESSION_KEY, None)
    return {
        "codes": [otp.show_code(c) for c in codes] if codes else None,
        "codes_left": otp.recovery_codes_left(request.user),
        "password_form": password_form or PasswordCheckForm(user=request.user),
        "next": _safe_next(request, ""),
    }


@never_cache
@login_required
@sensitive_post_parameters("token", "password")
def otp_enrol(request):
    """Set up a TOTP authenticator app: the password again, scan the QR code, confirm with one
    code; then the recovery codes are shown, once."""
    if otp.has_device(request.user):
        if request.method == "GET":
            return render(request, "accounts/otp_enrolled.html", _enrolled_context(request))
        return redirect("otp_enrol")
    device = otp.unconfirmed_device(request.user)

    def confirm(data):
        if not device.verify_token(data["token"]):
            raise ValidationError(
                {"token": _("The code is wrong or has expired. Try the next code.")}
            )
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        request.session[otp.RECOVERY_SESSION_KEY] = otp.new_recovery_codes(request.user)

    # The recovery codes are shown on the enrol page itself, then the user goes on.
    after = _safe_next(request, "")
    target = reverse("otp_enrol")
    return form_action(
        request,
        EnrolForm(request.POST or None, user=request.user),
        save=confirm,
        success=_("Two-factor login is on. You will be asked for a code when you log in."),
        redirect_to=f"{target}?{urlencode({'next': after})}" if after else target,
        template="accounts/otp_enrol.html",
        context={
            "heading": _("Set up two-factor login"),
            "submit": _("Confirm"),
            "qr": otp.qr_data_uri(device.config_url),
            "secret": otp.secret_for_display(device),
        },
    )


def _audit_removal(request, target, detail: str) -> None:
    audit.record(
        user=request.user,
        unit=request.active_unit or None,
        action=audit.Action.DELETE,
        obj=target,
        basis=audit.Basis.ADMIN,
        detail=detail,
    )


def _behind_password(request, *, save, success):
    """A change of the user's own second factor, made only with the password given again."""
    form = PasswordCheckForm(request.POST, user=request.user)
    return form_action(
        request,
        form,
        save=save,
        success=success,
        redirect_to=reverse("otp_enrol"),
        template="accounts/otp_enrolled.html",
        context=_enrolled_context(request, password_form=form),
    )


@never_cache
@require_POST
@login_required
@sensitive_post_parameters("password")
def otp_recovery_new(request):
    """New recovery codes (the old ones stop working), behind the password."""
    if not otp.has_device(request.user):
        return redirect("otp_enrol")

    def renew(data):
        request.session[otp.RECOVERY_SESSION_KEY] = otp.new_recovery_codes(request.user)

    return _behind_password(
        request,
        save=renew,
        success=_("New recovery codes are made; the old ones no longer work."),
    )


@never_cache
@require_POST
@login_required
@sensitive_post_parameters("password")
def otp_remove(request):
    """Turn the second factor off (app and recovery codes), behind the password."""
    if not otp.has_device(request.user):
        return redirect("otp_enrol")

    def remove(data):
        if otp.remove_devices(request.user):
            _audit_removal(request, request.user, "second factor removed by the user")

    return _behind_password(request, save=remove, success=_("Two-factor login is off."))


def _may_reset(request, target) -> bool:
    """Leaders reset the second factor of users of their active unit; superusers anyone's.
    Nobody their own (that goes through the password), and only superusers an administrator's."""
    me = request.user
    if target.pk == me.pk:
        return False
    if me.is_superuser:
        return True
    if target.is_staff or target.is_superuser:
        return False
    membership = request.active_membership
    if not membership or membership.role != Membership.Role.LEADER:
        return False
    return Membership.objects.active().filter(user=target, unit=membership.unit).exists()


def _resettable_users(request):
    users = get_user_model().objects.filter(is_active=True).exclude(pk=request.user.pk)
    if not request.user.is_superuser:
        membership = request.active_membership
        if not membership or membership.role != Membership.Role.LEADER:
            raise PermissionDenied
        members = Membership.objects.active().filter(unit=membership.unit)
        users = users.filter(pk__in=members.values("user_id"), is_staff=False, is_superuser=False)
    return users.order_by("last_name", "first_name", "username")


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def otp_reset(request):
    """For a user who lost their phone: a leader (of the user's unit) or an administrator
    removes the user's second factor, who then logs in with the password and sets it up again.
    Audited."""
    users = _resettable_users(request)

    def reset(data):
        target = data["user"]
        if not _may_reset(request, target):
            raise PermissionDenied
        otp.remove_devices(target)
        _audit_removal(request, target, "second factor reset by a leader or administrator")
        return target

    with_device = set(
        TOTPDevice.objects.filter(user__in=users, confirmed=True).values_list("user_id", flat=True)
    )
    return form_action(
        request,
        # Any active user is a valid choice; one outside the leader's reach is refused (403).
        OtpResetForm(request.POST or None, users=get_user_model().objects.filter(is_active=True)),
        save=reset,
        success=lambda target: (
            _("The second factor of %(user)s is removed. They can now set it up again.")
            % {"user": target.get_full_name() or target.get_username()}
        ),
        redirect_to=reverse("otp_reset"),
        template="accounts/otp_reset.html",
        context={"rows": [(user, user.pk in with_device) for user in users]},
    )


@require_POST
@login_required
def choose_unit(request):
    form = UnitChoiceForm(request.POST, memberships=memberships_for(request.user))

    def choose(data):
        request.session[SESSION_KEY] = data["membership"].pk
        return data["membership"]

    target = safe_next(request, "pathways:patient_list", value=request.POST.get("next", ""))
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
