from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import audit, otp
from accounts.forms import EnrolForm, LoginForm, LoginTokenForm, PasswordCheckForm
from accounts.models import Membership
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
    form = LoginTokenForm(request.POST or None)
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


def _enrolled(request, password_form=None, status=200):
    """The page of a user with a second factor: recovery codes (new ones shown once), and
    forms to make new codes or turn the second factor off, each behind the password."""
    codes = request.session.pop(otp.RECOVERY_SESSION_KEY, None)
    return render(
        request,
        "accounts/otp_enrolled.html",
        {
            "codes": [otp.show_code(c) for c in codes] if codes else None,
            "codes_left": otp.recovery_codes_left(request.user),
            "password_form": password_form or PasswordCheckForm(user=request.user),
            "next": _safe_next(request, ""),
        },
        status=status,
    )


@never_cache
@login_required
@sensitive_post_parameters("token", "password")
def otp_enrol(request):
    """Set up a TOTP authenticator app: the password again, scan the QR code, confirm with one
    code; then the recovery codes are shown, once."""
    if otp.has_device(request.user):
        if request.method == "POST":
            return redirect("otp_enrol")
        return _enrolled(request)
    device = otp.unconfirmed_device(request.user)
    form = EnrolForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            request.session[otp.RECOVERY_SESSION_KEY] = otp.new_recovery_codes(request.user)
            messages.success(
                request, _("Two-factor login is on. You will be asked for a code when you log in.")
            )
            target = reverse("otp_enrol")
            after = _safe_next(request, "")
            return redirect(f"{target}?{urlencode({'next': after})}" if after else target)
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


def _audit_removal(request, target, detail: str) -> None:
    audit.record(
        user=request.user,
        unit=request.active_unit or None,
        action=audit.Action.DELETE,
        obj=target,
        basis=audit.Basis.ADMIN,
        detail=detail,
    )


@never_cache
@require_POST
@login_required
@sensitive_post_parameters("password")
def otp_recovery_new(request):
    """New recovery codes (the old ones stop working), behind the password."""
    form = PasswordCheckForm(request.POST, user=request.user)
    if not otp.has_device(request.user):
        return redirect("otp_enrol")
    if not form.is_valid():
        return _enrolled(request, form)
    request.session[otp.RECOVERY_SESSION_KEY] = otp.new_recovery_codes(request.user)
    messages.success(request, _("New recovery codes are made; the old ones no longer work."))
    return redirect("otp_enrol")


@never_cache
@require_POST
@login_required
@sensitive_post_parameters("password")
def otp_remove(request):
    """Turn the second factor off (app and recovery codes), behind the password."""
    form = PasswordCheckForm(request.POST, user=request.user)
    if not form.is_valid():
        return _enrolled(request, form) if otp.has_device(request.user) else redirect("otp_enrol")
    if otp.remove_devices(request.user):
        _audit_removal(request, request.user, "second factor removed by the user")
    messages.success(request, _("Two-factor login is off."))
    return redirect("otp_enrol")


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
def otp_reset(request):
    """For a user who lost their phone: a leader (of the user's unit) or an administrator
    removes the user's second factor, who then logs in with the password and sets it up again.
    Audited."""
    users = _resettable_users(request)
    if request.method == "POST":
        user_id = request.POST.get("user", "")
        target = (
            users.filter(pk=int(user_id)).first()
            if user_id.isdigit() and len(user_id) < 18
            else None
        )
        if target is None or not _may_reset(request, target):
            raise PermissionDenied
        otp.remove_devices(target)
        _audit_removal(request, target, "second factor reset by a leader or administrator")
        messages.success(
            request,
            _("The second factor of %(user)s is removed. They can now set it up again.")
            % {"user": target.get_full_name() or target.get_username()},
        )
        return redirect("otp_reset")
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    with_device = set(
        TOTPDevice.objects.filter(user__in=users, confirmed=True).values_list("user_id", flat=True)
    )
    rows = [(user, user.pk in with_device) for user in users]
    return render(request, "accounts/otp_reset.html", {"rows": rows})


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
