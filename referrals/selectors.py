"""Read side: the access gate for one referral and the unit's lists, scoped and prefetched."""

import datetime

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from accounts import audit
from pathways.access import get_patient_for_user, unit_patient_exists
from pathways.workdays import add_working_days
from referrals.models import Referral, ReferralEvent

State = Referral.State

INCOMING = "innkommende"
WAITING = "venteliste"
SENT = "sendt"
TABS = (INCOMING, WAITING, SENT)


def get_referral_for_user(user, unit, pk, *, for_edit: bool = False, record_read: bool = True):
    """The one gate to a referral: 404 for outsiders (and for other units' drafts), 403 when
    the patient is only readable and a change is asked for. GETs write the read audit event."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    referral = (
        Referral.objects.select_related(
            "referring_unit__organisation",
            "receiving_unit__organisation",
            "referred_by",
            "assessed_by",
            "frist_at_risk_by",
            "helfo_notified_by",
            "forwarded_from__receiving_unit",
            "forwarded_to__receiving_unit",
            "place__unit__organisation",
            "wished_place__unit",
        )
        .filter(pk=pk)
        .first()
    )
    if referral is None or not user.is_authenticated:
        raise Http404
    if referral.is_draft and (unit is None or referral.referring_unit_id != unit.pk):
        raise Http404
    patient = get_patient_for_user(user, referral.patient_id, unit=unit, for_edit=for_edit)
    referral.patient = patient
    if record_read:
        audit.record(
            user=user,
            unit=unit,
            action=audit.Action.VIEW,
            patient=patient,
            obj=referral,
            basis=patient.access_basis,
        )
    return referral


def timeline(referral):
    """The referral's own events and those of the referrals it was forwarded from."""
    return (
        ReferralEvent.objects.filter(
            referral__chain=referral.chain, referral__depth__lte=referral.depth
        )
        .select_related("user", "unit", "referral__receiving_unit")
        .order_by("at", "id")
    )


def _base(unit):
    # A page of the list probes the grants row by row; the tab counts hash them instead.
    return Referral.objects.filter(unit_patient_exists(unit)).select_related(
        "patient", "referring_unit__organisation", "receiving_unit__organisation"
    )


def tab_counts(unit) -> dict:
    """The three tab counts in one query."""
    if unit is None:
        return dict.fromkeys(TABS, 0)
    # Only the rows some tab counts: the receiving unit's closed and rejected referrals,
    # most of them in a unit that has worked for years, are left out before the access check.
    counted = Q(receiving_unit=unit, state__in=[*Referral.AWAITING_ASSESSMENT, State.GRANTED]) | Q(
        referring_unit=unit
    )
    # The access check as a probe per counted row (not a hash of every grant of the unit):
    # the rows counted are a few thousand at most, the unit's grants may be a hundred thousand.
    return Referral.objects.filter(counted, unit_patient_exists(unit)).aggregate(
        **{
            INCOMING: Count(
                "pk", filter=Q(receiving_unit=unit, state__in=Referral.AWAITING_ASSESSMENT)
            ),
            WAITING: Count("pk", filter=Q(receiving_unit=unit, state=State.GRANTED)),
            SENT: Count("pk", filter=Q(referring_unit=unit)),
        }
    )


def unit_referrals(
    unit, tab: str, *, state: str = "", due_within: int | None = None, under_23: bool = False
):
    """The rows of one tab, sorted as the tab promises."""
    if unit is None:
        return Referral.objects.none()
    referrals = _base(unit)
    if tab == INCOMING:
        referrals = referrals.filter(
            receiving_unit=unit, state__in=Referral.AWAITING_ASSESSMENT
        ).order_by("assessment_due", "received_on", "pk")
    elif tab == WAITING:
        referrals = referrals.filter(receiving_unit=unit, state=State.GRANTED).order_by(
            "-under_23", "start_deadline", "pk"
        )
    else:
        referrals = referrals.filter(referring_unit=unit).order_by("-created_at", "-pk")
    if state:
        referrals = referrals.filter(state=state)
    if due_within is not None:
        today = timezone.localdate()
        if tab == WAITING:
            referrals = referrals.filter(
                start_deadline__lte=today + datetime.timedelta(days=due_within)
            )
        else:
            # Assessment deadlines count working days.
            referrals = referrals.filter(
                assessment_due__lte=add_working_days(today, due_within),
                state__in=Referral.AWAITING_ASSESSMENT,
            )
    if under_23:
        referrals = referrals.filter(under_23=True)
    return referrals


def referrals_for_patient(patient, unit):
    """The patient's referrals for the overview; drafts only for the unit writing them."""
    drafts = Q(state=State.DRAFT) & ~Q(referring_unit=unit) if unit else Q(state=State.DRAFT)
    return (
        Referral.objects.filter(patient=patient)
        .exclude(drafts)
        .select_related("referring_unit", "receiving_unit", "forwarded_to__receiving_unit")
        .order_by("-created_at", "-pk")
    )
