"""Joint intake (én vei inn): a patient is put on the standing meeting of the specialist service
and the kommuner, with the patient's consent, and the meeting's outcome lands in the pathway.

Who may: units of the forum (its specialist intake unit, units of its kommuner) that are on the
patient's care team. Putting a patient on the meeting brings the specialist intake unit onto the
care team on the patient's consent. A referral's assessment deadline keeps running from its
ansiennitetsdato meanwhile: nothing here touches it.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from pathways.models import CareTeamMember, Consent
from pathways.notifications.reminders import notify, unit_users
from pathways.patients.services.careteam import consent_record
from pathways.stale import check_version, save_new_version
from referrals.models import JointIntakeCase, JointIntakeForum, ReferralEvent

Outcome = JointIntakeCase.Outcome
MIN_TEXT = 10


def forums_of(unit):
    """The forums a unit takes part in."""
    if unit is None:
        return JointIntakeForum.objects.none()
    return JointIntakeForum.objects.filter(
        Q(specialist_unit=unit) | Q(kommuner=unit.organisation_id), active=True
    ).distinct()


def is_member(unit, forum) -> bool:
    return forums_of(unit).filter(pk=forum.pk).exists()


def _on_team(unit, patient) -> bool:
    return CareTeamMember.objects.filter(patient=patient, unit=unit, ended_at__isnull=True).exists()


def _event(case, kind_text, actor):
    if case.referral_id is not None:
        ReferralEvent.objects.create(
            referral_id=case.referral_id,
            kind=ReferralEvent.Kind.JOINT_INTAKE,
            user=actor.user,
            unit=actor.unit,
            text=kind_text,
        )


@transaction.atomic
def case_add(
    *,
    forum,
    patient,
    actor,
    question: str,
    consent_given_on: datetime.date,
    meeting_on: datetime.date | None = None,
    referral=None,
) -> JointIntakeCase:
    if not (is_member(actor.unit, forum) and _on_team(actor.unit, patient)):
        raise PermissionDenied(_("Only a unit of the meeting on the care team may do this."))
    today = timezone.localdate()
    question = (question or "").strip()
    if len(question) < MIN_TEXT:
        raise ValidationError({"question": _("Write what the meeting should consider.")})
    if consent_given_on is None:
        raise ValidationError({"consent_given_on": _("The patient's consent is needed.")})
    if consent_given_on > today:
        raise ValidationError({"consent_given_on": _("The date cannot be in the future.")})
    meeting_on = meeting_on or forum.next_meeting(today)
    if meeting_on < today:
        raise ValidationError({"meeting_on": _("The meeting date cannot be in the past.")})
    if meeting_on.weekday() != forum.weekday:
        raise ValidationError(
            {
                "meeting_on": _("The meeting is held on %(day)s.")
                % {"day": forum.get_weekday_display().lower()}
            }
        )
    if referral is not None and referral.patient_id != patient.pk:
        raise ValidationError(_("The referral belongs to another patient."))
    if not _on_team(forum.specialist_unit, patient):
        consent_record(
            patient=patient,
            actor=actor,
            scope=Consent.Scope.SHARING,
            given_on=consent_given_on,
            units=[forum.specialist_unit],
            note=_("Joint intake meeting: %(forum)s") % {"forum": forum.name},
        )
    case = JointIntakeCase.objects.create(
        forum=forum,
        meeting_on=meeting_on,
        patient=patient,
        referral=referral,
        requested_by_unit=actor.unit,
        requested_by=actor.user,
        question=question,
        consent_given_on=consent_given_on,
    )
    audit.record_by(actor, audit.Action.CREATE, patient=patient, obj=case)
    _event(
        case,
        _("Put on %(forum)s %(date)s")
        % {"forum": forum.name, "date": meeting_on.strftime("%d.%m.%Y")},
        actor,
    )
    return case


@transaction.atomic
def case_decide(
    *,
    case,
    actor,
    outcome: str,
    reasons: str,
    next_steps: str,
    place=None,
    version=None,
) -> JointIntakeCase:
    """Record the meeting's outcome with its reasons and who does what next. The requesting
    unit is told; a referral's timeline shows it."""
    current = JointIntakeCase.objects.select_for_update().select_related("forum").get(pk=case.pk)
    if not (is_member(actor.unit, current.forum) and _on_team(actor.unit, current.patient_id)):
        raise PermissionDenied(_("Only a unit of the meeting on the care team may do this."))
    check_version(current, version)
    reasons, next_steps = (reasons or "").strip(), (next_steps or "").strip()
    errors = {}
    if outcome not in Outcome.values:
        errors["outcome"] = _("Choose who takes the patient on.")
    if len(reasons) < MIN_TEXT:
        errors["reasons"] = _("Write the reasons for the outcome.")
    if len(next_steps) < MIN_TEXT:
        errors["next_steps"] = _("Write who does what next.")
    if place is not None and outcome == Outcome.KOMMUNE:
        errors["place"] = _("A treatment place belongs to an outcome with the specialist service.")
    if place is not None and place.health_trust_id != current.forum.health_trust_id:
        errors["place"] = _("Choose one of the places listed.")
    if errors:
        raise ValidationError(errors)
    current.outcome = outcome
    current.place = place
    current.reasons = reasons
    current.next_steps = next_steps
    current.decided_at = timezone.now()
    current.decided_by = actor.user
    save_new_version(
        current, ["outcome", "place", "reasons", "next_steps", "decided_at", "decided_by"]
    )
    audit.record_by(actor, audit.Action.UPDATE, patient=current.patient_id, obj=current)
    text = _("Outcome: %(outcome)s. %(reasons)s") % {
        "outcome": current.get_outcome_display(),
        "reasons": reasons,
    }
    _event(current, text, actor)
    notify(
        users=unit_users([current.requested_by_unit]),
        kind="referral",
        title=_("Joint intake: outcome for %(name)s") % {"name": current.patient.full_name},
        url=reverse("pathways:patient_overview", args=[current.patient_id]),
        patient=current.patient,
    )
    return current


def cases_for(unit, forum, *, visible_patients):
    """The forum's cases the unit may see: patients on its care team (or otherwise visible)."""
    return (
        JointIntakeCase.objects.filter(forum=forum, patient__in=visible_patients)
        .select_related("patient", "referral__receiving_unit", "requested_by_unit", "place__unit")
        .order_by("meeting_on", "pk")
    )
