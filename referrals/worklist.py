"""Home-page sources of referrals: questions waiting for the referrer's answer, and referrals
near their deadline at the receiving unit. Registered from ``ReferralsConfig.ready()``."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from config.prepared import prepared
from pathways.access import visibility_keys, visible_patient_exists_by
from pathways.dates import short_date
from pathways.workdays import add_working_days
from pathways.worklist import HOME_LIMIT, Group, Line
from referrals import permissions as perms
from referrals.models import InformationRequest, Referral
from referrals.rules import DUE_SOON_WORKING_DAYS, FRIST_WARNING_DAYS

State = Referral.State
# Questions can be answered while the referral is in these states (``perms.can_answer``).
ANSWERABLE = [s for s in State.values if s not in (State.DRAFT, State.WITHDRAWN, State.CLOSED)]


@prepared(shape=("limit",))
def _open_questions(user_id, unit_id, group_id, now, limit):
    return (
        InformationRequest.objects.filter(
            answered_at__isnull=True,
            referral__referring_unit_id=unit_id,
            referral__state__in=ANSWERABLE,
        )
        .filter(visible_patient_exists_by(user_id, group_id, now, "referral__patient_id"))
        .select_related("referral__patient", "referral__receiving_unit")
        .order_by("asked_at", "id")[:limit]
    )


def questions(actor) -> list[Group]:
    """Requests for more information on referrals the acting unit sent, not yet answered."""
    unit = actor.unit
    if unit is None or not actor.has(perms.REFERRER_ROLES):
        return []
    requests = _open_questions(**visibility_keys(actor.user, unit), limit=HOME_LIMIT + 1)
    lines = [
        Line(
            what=_("Answer the request for information"),
            url=reverse("referrals:answer", args=[request.referral_id, request.pk]),
            key=f"inforequest-{request.pk}",
            patient=request.referral.patient,
            detail=_("%(unit)s asked %(date)s: %(question)s")
            % {
                "unit": request.referral.receiving_unit.name,
                "date": short_date(request.asked_at),
                "question": request.question[:120],
            },
        )
        for request in requests
    ]
    return [
        Group.of(
            lines,
            key="opplysninger",
            heading=_("Requests for information on referrals"),
            order=20,
            empty=_("No requests for information wait for your answer."),
        )
    ]


def _unit_referrals(user_id, unit_id, group_id, now):
    return (
        Referral.objects.filter(receiving_unit_id=unit_id)
        .filter(visible_patient_exists_by(user_id, group_id, now))
        .select_related("patient", "referring_unit")
    )


@prepared(shape=("limit",))
def _awaiting_assessment(user_id, unit_id, group_id, now, state, due_by, limit):
    return (
        _unit_referrals(user_id, unit_id, group_id, now)
        .filter(state=state, assessment_due__lte=due_by)
        .order_by("assessment_due", "id")[:limit]
    )


@prepared(shape=("limit",))
def _granted(user_id, unit_id, group_id, now, frist_by, limit):
    return (
        _unit_referrals(user_id, unit_id, group_id, now)
        .filter(state=State.GRANTED, start_deadline__lte=frist_by)
        .order_by("start_deadline", "id")[:limit]
    )


def deadlines(actor) -> list[Group]:
    """Referrals received by the acting unit: to assess within two working days or overdue,
    and granted ones whose frist is within ten days or passed."""
    unit = actor.unit
    if unit is None:
        return []
    if not unit.is_specialist or not actor.has(perms.RECEIVING_ROLES):
        return []
    today = timezone.localdate()
    keys = {**visibility_keys(actor.user, unit), "limit": HOME_LIMIT + 1}
    soon = add_working_days(today, DUE_SOON_WORKING_DAYS)
    # Each state is read from its own index in deadline order and cut at the group's size:
    # one query ordered by a computed deadline sorted every such referral of the unit first.
    parts = [
        _awaiting_assessment(**keys, state=str(state), due_by=soon)
        for state in Referral.AWAITING_ASSESSMENT
    ]
    frist_by = today + datetime.timedelta(days=FRIST_WARNING_DAYS)
    parts.append(_granted(**keys, frist_by=frist_by))
    referrals = sorted(
        (referral for part in parts for referral in part),
        key=lambda r: (_deadline(r), r.pk),
    )[: HOME_LIMIT + 1]
    lines = [_line(referral, today) for referral in referrals]
    return [
        Group.of(
            lines,
            key="henvisninger",
            heading=_("Referrals near their deadline"),
            order=30,
            empty=_("No referrals are near their deadline."),
            more_url=reverse("referrals:list"),
            more_label=_("All referrals"),
        )
    ]


def _deadline(referral) -> datetime.date:
    if referral.state in Referral.AWAITING_ASSESSMENT:
        return referral.assessment_due
    return referral.start_deadline


def _line(referral, today) -> Line:
    url = reverse("referrals:detail", args=[referral.pk])
    if referral.state in Referral.AWAITING_ASSESSMENT:
        due = referral.assessment_due
        overdue = due < today
        what = _("Assess the referral")
        detail = (
            _("The assessment was due %(date)s") if overdue else _("To be assessed by %(date)s")
        ) % {"date": short_date(due)}
    else:
        due = referral.start_deadline
        overdue = due < today
        if overdue and referral.helfo_notified_on is None:
            what = _("Frist passed: notify Helfo")
        else:
            what = _("Start treatment")
        detail = (
            _("Treatment was to start by %(date)s")
            if overdue
            else _("Treatment must start by %(date)s")
        ) % {"date": short_date(due)}
    return Line(
        what=what,
        url=url,
        key=f"referral-{referral.pk}",
        patient=referral.patient,
        detail=f"{detail} · {_('from %(unit)s') % {'unit': referral.referring_unit.name}}",
        urgent=overdue,
        urgent_label=_("Overdue") if overdue else "",
    )
