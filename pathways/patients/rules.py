"""Reminder rules and the periodic job of consent and emergency access (registered with the
sweep in pathways/notifications/reminders.py)."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.auditpartitions import make_ahead
from accounts.models import Membership
from config import fragments
from pathways.models import (
    BreakGlassAccess,
    Consent,
)
from pathways.notifications.reminders import Due, periodic, rule, unit_users
from pathways.patients.services.careteam import consent_expire_due
from pathways.portal.notices import notify_portal

# ---------------------------------------------------------------------------------------


@periodic("consent_expire")
def consent_expire(now):
    """Care-team access whose consent has run out ends."""
    return consent_expire_due(now)


@periodic("audit_partitions_ahead")
def audit_partitions_ahead(now):
    """The audit log's partitions for this month and the next three exist before they fill."""
    return make_ahead()


@periodic("kept_parts_prune")
def kept_parts_prune(now):
    """Rendered page parts older than an hour go (their keys have moved on, or nobody asked)."""
    return fragments.prune(now - timedelta(hours=1))


# How long after expiry a consent is still reported as "expired" (bounds the date range).
CONSENT_EXPIRED_WINDOW_DAYS = 7


def _consent_renewed():
    """A later consent in force for the same patient, unit and scope."""
    return Exists(
        Consent.objects.annotate(unit_key=Coalesce("unit_id", 0))
        .filter(
            patient_id=OuterRef("patient_id"),
            scope=OuterRef("scope"),
            unit_key=Coalesce(OuterRef("unit_id"), 0),
            withdrawn_at__isnull=True,
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=OuterRef("valid_until")))
    )


def _consent_recipients(consent):
    # A generator: the query runs only when the reminder is new (not on every sweep).
    if consent.recorded_by.is_active:
        yield consent.recorded_by
    if consent.unit_id:
        yield from unit_users([consent.unit_id], roles=[Membership.Role.COORDINATOR])


def _consent_due(consents, stage, title):
    for consent in consents:
        unit = consent.unit.name if consent.unit_id else _("no particular unit")
        when = formats.date_format(consent.valid_until, "SHORT_DATE_FORMAT")
        yield Due(
            obj=consent,
            stage=stage,
            title=title
            % {"date": when, "scope": consent.get_scope_display().lower(), "unit": unit},
            recipients=_consent_recipients(consent),
            url=reverse("pathways:patient_overview", args=[consent.patient_id]),
            patient=consent.patient,
        )


@rule("consent_expiring", label=gettext_lazy("Consent about to expire or expired"))
def consent_expiring(now):
    """Consent in force running out within 30 days, and consent that ran out (access ended)."""
    today = timezone.localdate(now)
    base = (
        Consent.objects.filter(withdrawn_at__isnull=True)
        .exclude(_consent_renewed())
        .select_related("patient", "unit", "recorded_by")
    )
    horizon = today + timedelta(days=settings.REMINDER_CONSENT_EXPIRY_DAYS)
    yield from _consent_due(
        base.filter(valid_until__gte=today, valid_until__lte=horizon),
        "30d",
        _("Consent (%(scope)s, %(unit)s) expires %(date)s: renew it or agree on an end"),
    )
    yield from _consent_due(
        base.filter(
            valid_until__lt=today,
            valid_until__gte=today - timedelta(days=CONSENT_EXPIRED_WINDOW_DAYS),
        ),
        "expired",
        _("Consent (%(scope)s, %(unit)s) expired %(date)s: access based on it has ended"),
    )


@periodic("portal_consent_notice")
def portal_consent_notice(now):
    """The patient hears (the neutral notice) that a consent runs out soon, once per consent
    and end date, in the same window as the team's reminder; the start page of /min/ says
    which. A renewed consent is not announced."""
    today = timezone.localdate(now)
    horizon = today + timedelta(days=settings.REMINDER_CONSENT_EXPIRY_DAYS)
    due = (
        Consent.objects.filter(
            withdrawn_at__isnull=True, valid_until__gte=today, valid_until__lte=horizon
        )
        .exclude(portal_notice_for=F("valid_until"))
        .exclude(_consent_renewed())
        .values_list("pk", "patient_id")
    )
    told = 0
    for pk, patient_id in due:
        # A conditional update claims it: two sweeps at once tell the patient once.
        claimed = (
            Consent.objects.filter(pk=pk)
            .exclude(portal_notice_for=F("valid_until"))
            .update(portal_notice_for=F("valid_until"))
        )
        if claimed:
            notify_portal(patient=patient_id)
            told += 1
    return told


@rule("break_glass_unreviewed", label=gettext_lazy("Emergency access waiting for review"))
def break_glass_unreviewed(now):
    """Emergency access not reviewed two days after it was opened: to the unit's leaders."""
    cutoff = now - timedelta(days=settings.REMINDER_BREAK_GLASS_REVIEW_DAYS)
    grants = BreakGlassAccess.objects.filter(
        reviewed_at__isnull=True, granted_at__lte=cutoff
    ).select_related("user", "unit")
    for grant in grants:
        opened = formats.date_format(timezone.localtime(grant.granted_at), "SHORT_DATETIME_FORMAT")
        yield Due(
            obj=grant,
            stage="review",
            title=_("Emergency access by %(user)s on %(when)s is not reviewed")
            % {"user": grant.user.get_full_name() or grant.user.username, "when": opened},
            body=_("Unit: %(unit)s. Reason: %(reason)s. Explanation: %(explanation)s")
            % {
                "unit": grant.unit.name,
                "reason": grant.get_reason_display(),
                "explanation": grant.explanation,
            },
            recipients=unit_users([grant.unit_id], roles=[Membership.Role.LEADER]),
            url=reverse("breakglass_review"),
        )
