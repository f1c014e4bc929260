"""Reminder rules for referrals (see pathways/notifications/reminders.py). Each queries only
what is due, through the indexed date columns."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Membership
from pathways.dates import short_date
from pathways.notifications.reminders import Due, periodic, rule, unit_users
from pathways.workdays import add_working_days
from referrals import permissions as perms
from referrals.models import Referral
from referrals.services import UNDER_23_WARNING_WORKING_DAYS, referral_end_access_due, referral_url

State = Referral.State
FRIST_WARNING_DAYS = 10
DUE_SOON_WORKING_DAYS = 2


def _referrals(**filters):
    # Streamed: passed deadlines of a large region run to thousands of referrals, and a
    # cached queryset kept them all in the worker's memory; the sweep takes a batch at a time.
    return (
        Referral.objects.filter(**filters)
        .select_related("patient", "receiving_unit")
        .iterator(chunk_size=500)
    )


def _due(referral, stage, title, roles, urgent=False):
    return Due(
        obj=referral,
        stage=stage,
        title=title,
        recipients=unit_users([referral.receiving_unit], roles=roles),
        url=referral_url(referral),
        patient=referral.patient,
        urgent=urgent,
    )


def _name_and_date(referral, date) -> dict:
    """The patient's name and a date, for the messages."""
    return {"name": referral.patient.full_name, "date": short_date(date)}


@rule("referral_assessment_due_soon", label=gettext_lazy("Referrals to assess soon"))
def assessment_due_soon(now):
    today = timezone.localdate(now)
    limit = add_working_days(today, DUE_SOON_WORKING_DAYS)
    for referral in _referrals(
        state__in=Referral.AWAITING_ASSESSMENT, assessment_due__gte=today, assessment_due__lte=limit
    ):
        yield _due(
            referral,
            "due_soon",
            _("Referral for %(name)s must be assessed by %(date)s")
            % _name_and_date(referral, referral.assessment_due),
            perms.ASSESS_ROLES,
        )


@rule("referral_assessment_overdue", label=gettext_lazy("Referral assessments overdue"))
def assessment_overdue(now):
    today = timezone.localdate(now)
    for referral in _referrals(state__in=Referral.AWAITING_ASSESSMENT, assessment_due__lt=today):
        yield _due(
            referral,
            "overdue",
            _("Assessment overdue: referral for %(name)s (due %(date)s)")
            % _name_and_date(referral, referral.assessment_due),
            perms.ASSESS_ROLES | {Membership.Role.LEADER},
            urgent=True,
        )


@rule("referral_frist_soon", label=gettext_lazy("Treatment deadlines soon"))
def frist_soon(now):
    today = timezone.localdate(now)
    limit = today + datetime.timedelta(days=FRIST_WARNING_DAYS)
    for referral in _referrals(
        state=State.GRANTED, start_deadline__gte=today, start_deadline__lte=limit
    ):
        yield _due(
            referral,
            "frist_soon",
            _("Treatment for %(name)s must start by %(date)s")
            % _name_and_date(referral, referral.start_deadline),
            perms.RECEIVING_ROLES,
        )


@rule("referral_frist_passed", label=gettext_lazy("Treatment deadlines passed"))
def frist_passed(now):
    today = timezone.localdate(now)
    for referral in _referrals(state=State.GRANTED, start_deadline__lt=today):
        yield _due(
            referral,
            "frist_passed",
            _("Fristbrudd for %(name)s: notify Helfo") % {"name": referral.patient.full_name},
            perms.RECEIVING_ROLES,
            urgent=True,
        )


@rule("referral_under_23_waiting", label=gettext_lazy("Young patients waiting long"))
def under_23_waiting(now):
    """Young patients still waiting 65 working days after the seniority date (a guideline)."""
    today = timezone.localdate(now)
    threshold = add_working_days(today, -UNDER_23_WARNING_WORKING_DAYS)
    for referral in _referrals(
        state__in=(*Referral.AWAITING_ASSESSMENT, State.GRANTED),
        under_23=True,
        seniority_date__lte=threshold,
    ):
        yield _due(
            referral,
            "under_23_65",
            _("%(name)s (under 23) has waited more than 65 working days")
            % {"name": referral.patient.full_name},
            perms.RECEIVING_ROLES,
        )


@periodic("referral_access_end")
def access_end(now):
    """Ends care-team access after a rejection without forwarding (or a withdrawal)."""
    return referral_end_access_due(now)
