"""The user's own notifications: list, open (marks read), mark read, email settings."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Value
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.redirects import safe_next
from config import fragments
from config.prepared import PreparedRows, prepared
from pathways.models import Notification, NotificationPreference
from pathways.notifications import services as service
from pathways.notifications.selectors import counts
from pathways.web import form_action, posted


class NotificationPreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["email_enabled", "digest_enabled"]
        labels = {
            "email_enabled": gettext_lazy("Send me notifications by email"),
            "digest_enabled": gettext_lazy(
                "Collect notifications that are not urgent in one email each morning at 07:00"
            ),
        }
        help_texts = {
            "email_enabled": gettext_lazy(
                "Urgent notifications are emailed at once. The email holds a reference and a "
                "link, never the patient's name."
            ),
        }


def _notifications(user_id, unread_only):
    notes = Notification.objects.filter(user_id=user_id).select_related("patient")
    if unread_only:
        notes = notes.filter(read_at__isnull=True)
    return notes


@prepared(shape=("offset", "limit"))
def _page(user_id, unread_only, offset, limit):
    return _notifications(user_id, unread_only)[offset : offset + limit]


@prepared
def _count(user_id, unread_only):
    # The embedded demo's SQLite has no triggers to keep the counts: counted each time.
    # Grouped by a constant (no GROUP BY in the SQL): one row.
    return (
        _notifications(user_id, unread_only)
        .select_related(None)
        .order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )


@login_required
def notification_list(request):
    unread_only = request.GET.get("vis") == "uleste"
    keys = {"user_id": request.user.pk, "unread_only": unread_only}
    context = {"unread_only": unread_only}
    version = total = None
    if connection.vendor == "postgresql":
        kept = counts(request.user.pk)
        version = kept.generation if kept else None
        total = (kept.unread if unread_only else kept.total) if kept else 0
        # The header shows the same row's count: no second read.
        context["unread_notifications"] = kept.unread if kept else 0

    def table():
        notes = PreparedRows(
            lambda offset, limit: _page(offset=offset, limit=limit, **keys),
            lambda: _count(**keys)[0] if total is None else total,
        )
        page = Paginator(notes, settings.PAGE_SIZE).get_page(request.GET.get("side"))
        return render_to_string(
            "pathways/notifications/_table.html",
            {**context, "page": page, "csrf_token": fragments.CSRF_MARK},
            request=request,
        )

    # Kept rendered until one of the user's notifications is written or deleted (read,
    # new, removed) or a patient named in one is renamed: see NotificationVersion.
    parts = (request.user.pk, sorted(request.GET.lists()))
    html = fragments.fragment("notifications", version, parts, table)
    # One token for the page's forms, kept rows and all (as {% csrf_token %} gives).
    context["csrf_token"] = token = get_token(request)
    context["table"] = fragments.with_csrf(html, token)
    return render(request, "pathways/notifications/list.html", context)


@login_required
def notification_open(request, notification_id):
    """Follow a notification to its object; opening it marks it read."""
    note = get_object_or_404(Notification, pk=notification_id, user=request.user)
    service.notification_mark_read(user=request.user, notification_id=note.pk)
    if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts=None):
        return redirect(note.url)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read(request, notification_id):
    note = get_object_or_404(Notification, pk=notification_id, user=request.user)
    service.notification_mark_read(user=request.user, notification_id=note.pk)
    return redirect(_back(request))


@login_required
@require_POST
def notifications_read_all(request):
    count = service.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect(_back(request))


@login_required
def notification_settings(request):
    pref = service.preference_for(request.user)
    # Both boxes unticked posts nothing, so bind on the method, not on the data.
    form = NotificationPreferenceForm(posted(request), instance=pref)
    return form_action(
        request,
        form,
        save=lambda data: service.preferences_update(
            user=request.user,
            email_enabled=data["email_enabled"],
            digest_enabled=data["digest_enabled"],
        ),
        success=_("Your notification settings are saved."),
        redirect_to=reverse("notifications:settings"),
        template="pathways/notifications/settings.html",
        context={"has_email": bool(request.user.email)},
    )


def _back(request) -> str:
    return safe_next(request, "notifications:list", value=request.POST.get("next", ""))
