from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .forms import LoginForm
from .units import SESSION_KEY, memberships_for


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


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
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "pathways:patient_list"
    return redirect(target)


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
