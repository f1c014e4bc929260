"""Refused attempts on patient records: each is audited, and many from one user are seen.

A user who opens patient ids outside their access (a 404 from the patient gate) or tries to
change a record they may only read (a 403) leaves a ``denied`` audit event. The event names
the patient only when there is one with that id; the path tried is kept either way. When
one user gathers ``AUDIT_DENIED_ALERT_COUNT`` refusals within ``AUDIT_DENIED_ALERT_MINUTES``,
the leaders of the user's active unit get one notification per window (without any
patient's name: the point is the pattern, not the records).
"""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import AuditEvent, Membership

ALERT_KIND = "access_probing"


def _existing_patient_id(patient_id) -> int | None:
    from pathways.models import Patient

    try:
        pk = int(patient_id)
    except (TypeError, ValueError):
        return None
    if not -(2**63) <= pk < 2**63:
        return None
    return pk if Patient.objects.filter(pk=pk).exists() else None


def alert_url(user) -> str:
    # The fragment marks whom the alert is about (one alert per user and window).
    return f"{reverse('breakglass_review')}#avvist-{user.pk}"


def record_denied(request, patient_id) -> None:
    """Audit a refused attempt on ``patient_id`` and alert the leaders if it is one too many."""
    user = request.user
    if not user.is_authenticated:
        return
    unit = request.active_unit or None
    audit.record(
        user=user,
        unit=unit,
        action=AuditEvent.Action.DENIED,
        patient=_existing_patient_id(patient_id),
        basis=AuditEvent.Basis.NONE,
        detail=f"{request.method} {request.path}",
    )
    _alert_if_probing(user, unit)


def _alert_if_probing(user, unit) -> None:
    from pathways.models import Notification
    from pathways.notifications.reminders import notify, unit_users

    limit = settings.AUDIT_DENIED_ALERT_COUNT
    minutes = settings.AUDIT_DENIED_ALERT_MINUTES
    if limit <= 0 or unit is None:
        return
    since = timezone.now() - datetime.timedelta(minutes=minutes)
    refused = AuditEvent.objects.filter(
        user=user, action=AuditEvent.Action.DENIED, at__gte=since
    ).count()
    if refused < limit:
        return
    url = alert_url(user)
    if Notification.objects.filter(kind=ALERT_KIND, url=url, created_at__gte=since).exists():
        return
    leaders = unit_users([unit], roles=[Membership.Role.LEADER]).exclude(pk=user.pk)
    notify(
        users=list(leaders),
        kind="access_probing",  # ALERT_KIND, written out for the mail-kind register
        title=_("Many refused attempts to open patient records by %(user)s")
        % {"user": user.get_full_name() or user.get_username()},
        body=_(
            "%(user)s was refused access to patient records %(count)s times in %(minutes)s "
            "minutes. This may be a mistyped address, or someone trying ids. See the access "
            "log in the administration."
        )
        % {
            "user": user.get_full_name() or user.get_username(),
            "count": refused,
            "minutes": minutes,
        },
        url=url,
        urgent=True,
    )
