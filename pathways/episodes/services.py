"""Admission, discharge and ettervern: every change with rules lives here.

Acting ``unit`` is the unit the user acts for. Specialist actions need the episode's own unit;
kommune actions need a kommune unit on the patient's care team. Messages and notices to the
kommune go to the patient's kommune units on the care team (not NAV or the GP office, whose
sharing needs its own consent).
"""

import datetime
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, Min, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.acting import SYSTEM
from accounts.models import Organisation, ServiceUnit
from pathways.access import patients_of_unit
from pathways.dates import DateRules, short_datetime
from pathways.episodes import permissions as perms
from pathways.figures import share_of
from pathways.models import (
    CareTeamMember,
    Consent,
    CoordinatorAssignment,
    CrisisPlan,
    EttervernPlan,
    FollowUpAppointment,
    KommuneMessage,
    KommuneMove,
    Patient,
    PlanningMeeting,
    TreatmentEpisode,
)
from pathways.notifications.reminders import notify, unit_users
from pathways.patients.services.careteam import care_team_add, care_team_end, consent_record
from pathways.stale import check_version

Kind = TreatmentEpisode.Kind
EndKind = TreatmentEpisode.EndKind
MsgKind = KommuneMessage.Kind

# Units of these kinds receive patient-logistics messages only through their own consent.
NOT_MESSAGED = {ServiceUnit.Kind.NAV, ServiceUnit.Kind.FASTLEGE}
SIGNING_ROLES = perms.SIGNING_ROLES


# --- who is who ---------------------------------------------------------------------------


def kommune_units_on_team(patient) -> list[ServiceUnit]:
    members = (
        CareTeamMember.objects.active()
        .filter(patient=patient, unit__organisation__level=Organisation.Level.KOMMUNE)
        .exclude(unit__kind__in=NOT_MESSAGED)
        .select_related("unit__organisation")
    )
    return [m.unit for m in members]


def kommune_recipients(patient, units=None):
    """Who on the municipal side is told about the treatment: the patient's active koordinator
    when there is one, else the users of ``units`` (default: the kommune units on the team)."""
    patient_id = getattr(patient, "pk", patient)
    assignment = (
        CoordinatorAssignment.objects.active()
        .filter(patient_id=patient_id, user__is_active=True)
        .select_related("user")
        .first()
    )
    if assignment is not None:
        return [assignment.user]
    if units is None:
        units = kommune_units_on_team(patient_id)
    return unit_users(units)


def coordinator_units(patient) -> list[ServiceUnit]:
    """The koordinator's unit when it is a kommune unit, else the registering/coordinating
    kommune units."""
    assignment = (
        CoordinatorAssignment.objects.active()
        .filter(patient=patient, unit__organisation__level=Organisation.Level.KOMMUNE)
        .select_related("unit")
        .first()
    )
    if assignment is not None:
        return [assignment.unit]
    members = (
        CareTeamMember.objects.active()
        .filter(
            patient=patient,
            unit__organisation__level=Organisation.Level.KOMMUNE,
            role__in=[CareTeamMember.Role.REGISTERING, CareTeamMember.Role.COORDINATING],
        )
        .select_related("unit")
    )
    return [m.unit for m in members] or kommune_units_on_team(patient)


def require_treating_unit(episode, actor) -> None:
    if not perms.is_treating_unit(actor, episode):
        raise PermissionDenied(_("Only the treating unit can do this."))


def _require_kommune(patient, actor) -> None:
    if not perms.is_kommune_on_team(actor, patient):
        raise PermissionDenied(_("Only a municipal unit on the care team can do this."))


def _check_part_version(obj, version_field: str, base_version) -> None:
    """``check_version`` for an object with one version per independently edited part."""
    check_version(
        obj, base_version, field=version_field, message=_("Saved by someone else meanwhile")
    )


def _require_open(episode) -> None:
    if episode.ended_at is not None:
        raise ValidationError(_("The treatment has ended."))


def episode_url(episode) -> str:
    return reverse("pathways:episode_detail", args=[episode.patient_id, episode.pk])


def _audit(by, unit, action, episode, obj, detail=""):
    audit.record(
        user=by, unit=unit, action=action, patient=episode.patient_id, obj=obj, detail=detail
    )


# --- episodes -----------------------------------------------------------------------------


# Other features follow the episode's life here (pathways never imports them; referrals
# registers in its AppConfig.ready()). ``func(episode, actor, source) -> bool`` runs when an
# episode starts (``source`` is what started it, e.g. a referral, or None); it answers True
# when it linked the episode to a referral (the care-team basis is then the referral).
# ``func(episode, actor)`` runs when an episode ends (discharge or transfer).
EPISODE_STARTED: list[Callable] = []
EPISODE_ENDED: list[Callable] = []


def consent_withdrawn_for(patient, unit) -> bool:
    """The patient has withdrawn consent for ``unit`` and given none since."""
    consents = Consent.objects.filter(patient=patient, unit=unit)
    return consents.filter(withdrawn_at__isnull=False).exists() and not consents.in_force().exists()


def _treating_unit(actor, unit) -> ServiceUnit:
    """The unit the episode starts at: the acting unit, or a specialist unit of the same
    organisation (the intake team starts a stay at its døgn unit)."""
    if unit is None or unit.pk == actor.unit.pk:
        return actor.unit
    if not unit.is_specialist or unit.organisation_id != actor.unit.organisation_id:
        raise ValidationError({"unit": _("Choose a specialist unit of your own organisation.")})
    return unit


@transaction.atomic
def episode_start(
    *,
    patient,
    actor,
    kind: str,
    started_at: datetime.datetime,
    planned_end: datetime.date | None = None,
    send_admission_message: bool = False,
    unit=None,
    source=None,
) -> TreatmentEpisode:
    """Start treatment at the acting specialist unit (or ``unit``, of the same organisation).

    The treating unit joins the care team (basis: the referral that led here, else the
    admission), unless the patient has withdrawn consent for it: then nothing starts and the
    user is told why. Features in ``EPISODE_STARTED`` are told (the referral moves on)."""
    if not perms.can_start_treatment(actor, patient):
        raise PermissionDenied(_("Only a specialist unit on the care team can start treatment."))
    if started_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"started_at": _("The start cannot be in the future.")})
    if planned_end and planned_end < timezone.localdate(started_at):
        raise ValidationError({"planned_end": _("The planned discharge is before the start.")})
    unit = _treating_unit(actor, unit)
    if not perms.unit_on_team(unit, patient) and consent_withdrawn_for(patient, unit):
        raise ValidationError(
            {
                "unit": _(
                    "The patient has withdrawn consent for %(unit)s, so the unit cannot be "
                    "put on the care team. Start the treatment at another unit, or record "
                    "new consent first."
                )
                % {"unit": unit.name}
            }
        )
    episode = TreatmentEpisode(
        patient=patient,
        unit=unit,
        kind=kind,
        started_at=started_at,
        planned_end=planned_end,
        # The pathway's first attendance; the unit corrects it on the episode page.
        first_attendance_on=timezone.localdate(started_at),
        created_by=actor.user,
    )
    episode.full_clean()
    episode.save()
    _audit(
        actor.user, actor.unit, audit.Action.CREATE, episode, episode, episode.get_kind_display()
    )
    linked = [hook(episode, actor, source) for hook in EPISODE_STARTED]
    care_team_add(
        patient=patient,
        unit=unit,
        role=CareTeamMember.Role.TREATING,
        basis=(
            CareTeamMember.Basis.REFERRAL
            if source is not None or any(linked)
            else CareTeamMember.Basis.ADMISSION
        ),
        actor=actor,
    )
    if send_admission_message and kind == Kind.DOGN:
        if unit.pk == actor.unit.pk:
            admission_message_send(episode=episode, actor=actor)
        else:
            _send(episode=episode, actor=actor, kind=MsgKind.ADMISSION, only_new=True)
    return episode


def _episode_ended(episode, actor) -> None:
    for hook in EPISODE_ENDED:
        hook(episode, actor)


@transaction.atomic
def episode_set_planned_end(*, episode, actor, planned_end: datetime.date | None) -> None:
    require_treating_unit(episode, actor)
    _require_open(episode)
    if planned_end and planned_end < timezone.localdate(episode.started_at):
        raise ValidationError({"planned_end": _("The planned discharge is before the start.")})
    TreatmentEpisode.objects.filter(pk=episode.pk).update(planned_end=planned_end)
    episode.planned_end = planned_end
    _audit(
        actor.user, actor.unit, audit.Action.UPDATE, episode, episode, f"planned_end={planned_end}"
    )


def _send(*, episode, actor, kind, text="", urgent=False, only_new=False) -> list:
    """One message per kommune unit on the care team, with a notification to its users."""
    recipients = kommune_units_on_team(episode.patient)
    if only_new:
        already = set(
            KommuneMessage.objects.filter(episode=episode, kind=kind).values_list(
                "to_unit_id", flat=True
            )
        )
        recipients = [u for u in recipients if u.pk not in already]
    sent = []
    now = timezone.now()
    for to_unit in recipients:
        message = KommuneMessage.objects.create(
            episode=episode,
            patient_id=episode.patient_id,
            kind=kind,
            from_unit=actor.unit,
            to_unit=to_unit,
            text=text,
            urgent=urgent,
            sent_at=now,
            sent_by=actor.user,
        )
        _audit(
            actor.user,
            actor.unit,
            audit.Action.CREATE,
            episode,
            message,
            message.get_kind_display(),
        )
        sent.append(message)
    if sent:
        notify(
            users=kommune_recipients(episode.patient, [m.to_unit for m in sent]),
            kind=f"discharge_{kind}",
            title=_("%(kind)s: %(unit)s")
            % {"kind": sent[0].get_kind_display(), "unit": actor.unit.name},
            body=text,
            url=episode_url(episode),
            patient=episode.patient,
            urgent=urgent,
        )
    return sent


@transaction.atomic
def admission_message_send(*, episode, actor, text: str = "") -> list[KommuneMessage]:
    """'Melding om innlagt pasient' to the kommune; due within 24 hours of a døgn admission."""
    require_treating_unit(episode, actor)
    _require_open(episode)
    if not kommune_units_on_team(episode.patient):
        raise ValidationError(
            _(
                "No municipal unit is on the care team. Add the municipality with the "
                "patient's consent first."
            )
        )
    sent = _send(episode=episode, actor=actor, kind=MsgKind.ADMISSION, text=text, only_new=True)
    if not sent:
        raise ValidationError(_("The notice of admission has already been sent."))
    return sent


@transaction.atomic
def episode_assess(*, episode, actor, assessment: str, version: int | None) -> None:
    """Record the clinician's assessment that the patient is ready for discharge.

    ``version`` is the ``assessment_version`` the form was opened with; a stale form raises
    ``StaleWrite`` and the earlier text stays."""
    require_treating_unit(episode, actor)
    _require_open(episode)
    if not perms.is_clinician(actor):
        raise PermissionDenied(_("Only a clinician can record the assessment."))
    assessment = (assessment or "").strip()
    if not assessment:
        raise ValidationError({"assessment": _("Write the assessment.")})
    current = TreatmentEpisode.objects.select_for_update().get(pk=episode.pk)
    _check_part_version(current, "assessment_version", version)
    now = timezone.now()
    version = current.assessment_version + 1
    TreatmentEpisode.objects.filter(pk=episode.pk).update(
        assessment=assessment, assessed_at=now, assessed_by=actor.user, assessment_version=version
    )
    episode.assessment, episode.assessed_at, episode.assessed_by = assessment, now, actor.user
    episode.assessment_version = version
    _audit(actor.user, actor.unit, audit.Action.UPDATE, episode, episode, _("Assessment recorded"))


@transaction.atomic
def planning_meeting_call(
    *, episode, actor, starts_at: datetime.datetime, place: str, participants: str
) -> PlanningMeeting:
    """Call the partners to a joint planning meeting for the follow-up."""
    require_treating_unit(episode, actor)
    _require_open(episode)
    # Calling is the invitation: it goes out now, so the meeting lies ahead.
    DateRules().not_past(
        "starts_at",
        starts_at,
        _("The time has passed; no invitation can go out for it. Choose a later time."),
    ).not_before(
        "starts_at", starts_at, episode.started_at, _("The meeting is before the stay (%(date)s).")
    ).check()
    meeting = PlanningMeeting(
        episode=episode,
        starts_at=starts_at,
        place=(place or "").strip(),
        participants=(participants or "").strip(),
        called_by=actor.user,
    )
    meeting.full_clean()
    meeting.save()
    _audit(actor.user, actor.unit, audit.Action.CREATE, episode, meeting, str(meeting))
    notify(
        users=kommune_recipients(episode.patient),
        kind="discharge_planning_meeting",
        title=_("Planning meeting %(when)s")
        % {"when": timezone.localtime(starts_at).strftime("%d.%m.%Y %H:%M")},
        body=f"{meeting.place}\n{meeting.participants}",
        url=episode_url(episode),
        patient=episode.patient,
    )
    return meeting


# Other features add ``func(episode) -> bool`` here (e.g. an ansvarsgruppe meeting called for
# the stay); any of them answering True counts as a joint planning meeting.
JOINT_MEETING_SOURCES: list[Callable] = []


def held_planning_meetings(episode):
    """The episode's planning meetings that took place during the stay: from its start (to its
    end), up to now. One called for next week has not taken place yet."""
    meetings = PlanningMeeting.objects.filter(
        episode=episode, starts_at__gte=episode.started_at, starts_at__lte=timezone.now()
    )
    if episode.ended_at is not None:
        meetings = meetings.filter(starts_at__lte=episode.ended_at)
    return meetings


def joint_planning_meeting_held(episode) -> bool:
    """Has a joint meeting for the follow-up taken place during this stay? Only such a meeting
    counts towards utskrivningsklar (not one before the admission, not one still ahead)."""
    if held_planning_meetings(episode).exists():
        return True
    return any(source(episode) for source in JOINT_MEETING_SOURCES)


def needs_joint_meeting(episode) -> bool:
    return episode.unit.kind in ServiceUnit.TSB_KINDS or episode.unit.kind == ServiceUnit.Kind.DPS


def ready_refusal_reasons(episode) -> list[str]:
    """Why 'utskrivningsklar' cannot be declared now (empty when it can)."""
    reasons = []
    if episode.ended_at is not None:
        reasons.append(_("The treatment has ended."))
    if episode.ready_at is not None:
        reasons.append(_("The patient is already declared ready for discharge."))
    if not episode.assessed_at:
        reasons.append(_("A clinician's assessment has not been recorded."))
    if needs_joint_meeting(episode) and not joint_planning_meeting_held(episode):
        ahead = (
            PlanningMeeting.objects.filter(episode=episode, starts_at__gt=timezone.now())
            .order_by("starts_at")
            .first()
        )
        if ahead is not None:
            reasons.append(
                _(
                    "The joint planning meeting on %(date)s has not taken place yet; the patient "
                    "can be declared ready for discharge after it."
                )
                % {"date": short_datetime(ahead.starts_at)}
            )
        else:
            reasons.append(
                _(
                    "No joint planning meeting with the municipality and partners has taken "
                    "place during the stay."
                )
            )
    if not kommune_units_on_team(episode.patient):
        reasons.append(_("No municipal unit is on the care team to receive the notice."))
    return reasons


@transaction.atomic
def episode_declare_ready(*, episode, actor, text: str = "") -> list[KommuneMessage]:
    """Declare 'utskrivningsklar' and tell the kommune; refused with the reasons otherwise."""
    require_treating_unit(episode, actor)
    episode = TreatmentEpisode.objects.select_for_update().select_related("unit").get(pk=episode.pk)
    reasons = ready_refusal_reasons(episode)
    if reasons:
        raise ValidationError(reasons)
    now = timezone.now()
    TreatmentEpisode.objects.filter(pk=episode.pk).update(ready_at=now, ready_by=actor.user)
    episode.ready_at, episode.ready_by = now, actor.user
    _audit(
        actor.user,
        actor.unit,
        audit.Action.UPDATE,
        episode,
        episode,
        _("Declared ready for discharge"),
    )
    return _send(episode=episode, actor=actor, kind=MsgKind.READY, text=text)


def _copy_first_appointment(episode, by) -> None:
    plan = EttervernPlan.objects.filter(episode=episode).first()
    if plan is None or plan.first_appointment_at is None:
        return
    units = coordinator_units(episode.patient)
    if not units:
        return
    FollowUpAppointment.objects.get_or_create(
        episode=episode,
        is_first_kommune=True,
        defaults={
            "patient_id": episode.patient_id,
            "at": plan.first_appointment_at,
            "with_whom": plan.first_appointment_with or units[0].name,
            "unit": units[0],
            "created_by": by,
        },
    )


@transaction.atomic
def episode_end(
    *,
    episode,
    actor,
    end_kind: str,
    ended_at: datetime.datetime | None = None,
    note: str = "",
    without_plan_reason: str = "",
) -> TreatmentEpisode:
    """Discharge. Unplanned: the kommune is told at once, urgent. Planned døgn: needs the
    'utskrivningsklar' notice and a signed plan (or a written reason for going without)."""
    require_treating_unit(episode, actor)
    episode = TreatmentEpisode.objects.select_for_update().select_related("unit").get(pk=episode.pk)
    _require_open(episode)
    ended_at = ended_at or timezone.now()
    if ended_at < episode.started_at:
        raise ValidationError({"ended_at": _("The discharge is before the start.")})
    if ended_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"ended_at": _("The discharge cannot be in the future.")})
    without_plan_reason = (without_plan_reason or "").strip()
    if end_kind == EndKind.PLANNED:
        if episode.kind == Kind.DOGN and episode.ready_at is None:
            raise ValidationError(
                _(
                    "Declare the patient ready for discharge first, so that the "
                    "municipality is told."
                )
            )
        plan = EttervernPlan.objects.filter(episode=episode).first()
        if episode.kind == Kind.DOGN and not (plan and plan.is_signed) and not without_plan_reason:
            raise ValidationError(
                {
                    "without_plan_reason": _(
                        "The ettervern plan is not signed by both sides. Write why the "
                        "patient is discharged without it."
                    )
                }
            )
    elif end_kind != EndKind.UNPLANNED:
        raise ValidationError({"end_kind": _("Choose how the treatment ended.")})
    TreatmentEpisode.objects.filter(pk=episode.pk).update(
        ended_at=ended_at,
        end_kind=end_kind,
        end_note=note[:500],
        without_plan_reason=without_plan_reason[:500],
    )
    episode.refresh_from_db()
    _audit(
        actor.user,
        actor.unit,
        audit.Action.UPDATE,
        episode,
        episode,
        episode.get_end_kind_display(),
    )
    # Every discharge is told to the kommune: unplanned at once and urgent.
    if end_kind == EndKind.UNPLANNED:
        _send(episode=episode, actor=actor, kind=MsgKind.UNPLANNED, text=note, urgent=True)
    else:
        _send(episode=episode, actor=actor, kind=MsgKind.DISCHARGED, text=note)
    _copy_first_appointment(episode, actor.user)
    _episode_ended(episode, actor)
    return episode


@transaction.atomic
def episode_transfer(
    *, episode, actor, to_unit, kind: str, consent_given_on: datetime.date | None = None
) -> TreatmentEpisode:
    """Transfer to another specialist unit: this episode ends, a new one starts there, the
    ettervern plan moves along, and the kommune is told."""
    require_treating_unit(episode, actor)
    _require_open(episode)
    if to_unit is None or not to_unit.is_specialist or to_unit.pk == actor.unit.pk:
        raise ValidationError({"to_unit": _("Choose another specialist unit.")})
    patient = episode.patient
    if not perms.unit_on_team(to_unit, patient):
        if consent_given_on is None:
            raise ValidationError(
                {
                    "consent_given_on": _(
                        "The unit is not on the care team: record the patient's consent."
                    )
                }
            )
        consent_record(
            patient=patient,
            actor=actor,
            scope=Consent.Scope.SHARING,
            given_on=consent_given_on,
            units=[to_unit],
            role=CareTeamMember.Role.TREATING,
        )
    now = timezone.now()
    new = TreatmentEpisode(
        patient=patient,
        unit=to_unit,
        kind=kind,
        started_at=now,
        planned_end=episode.planned_end,
        first_attendance_on=timezone.localdate(now),
        created_by=actor.user,
    )
    new.full_clean()
    new.save()
    TreatmentEpisode.objects.filter(pk=episode.pk).update(
        ended_at=now, end_kind=EndKind.TRANSFERRED, transferred_to=new
    )
    EttervernPlan.objects.filter(episode=episode).update(episode=new)
    episode.refresh_from_db()
    _audit(
        actor.user,
        actor.unit,
        audit.Action.UPDATE,
        episode,
        episode,
        _("Transferred to %s") % to_unit.name,
    )
    _audit(actor.user, actor.unit, audit.Action.CREATE, new, new, new.get_kind_display())
    _send(
        episode=episode,
        actor=actor,
        kind=MsgKind.TRANSFER,
        text=_("Transferred to %(unit)s") % {"unit": str(to_unit)},
    )
    notify(
        users=unit_users([to_unit]),
        kind="discharge_transfer",
        title=_("Patient transferred from %(unit)s") % {"unit": actor.unit.name},
        url=episode_url(new),
        patient=patient,
    )
    _episode_ended(episode, actor)
    # The new stay starts like any other (a referral waiting for this unit leaves the waiting
    # list); ``source`` is the stay it came from, whose referral has just moved along.
    for hook in EPISODE_STARTED:
        hook(new, actor, episode)
    return new


# --- messages -----------------------------------------------------------------------------


def messages_mark_read(*, episode, actor) -> int:
    """The kommune unit has opened its messages about the episode."""
    if actor.unit is None:
        return 0
    with transaction.atomic():
        messages = list(
            KommuneMessage.objects.filter(episode=episode, to_unit=actor.unit, read_at__isnull=True)
        )
        if not messages:
            return 0
        count = KommuneMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
            read_at=timezone.now(), read_by=actor.user
        )
        for message in messages:
            _audit(actor.user, actor.unit, audit.Action.UPDATE, episode, message, _("Read"))
    return count


@transaction.atomic
def message_answer(
    *,
    message,
    actor,
    answer: str,
    can_receive_from: datetime.date | None = None,
    reason: str = "",
) -> KommuneMessage:
    """The kommune answers 'can receive from <date>' or 'cannot receive yet' (with reason)."""
    if not perms.can_answer_message(actor, message):
        raise PermissionDenied(_("Only the receiving unit can answer."))
    if not message.expects_answer:
        raise ValidationError(_("This message does not ask for an answer."))
    reason = (reason or "").strip()
    if answer == KommuneMessage.Answer.CAN_RECEIVE:
        if can_receive_from is None:
            raise ValidationError({"can_receive_from": _("From which date?")})
        DateRules().not_past(
            "can_receive_from",
            can_receive_from,
            _("The date has passed. From which date can the municipality receive the patient?"),
        ).check()
    elif answer == KommuneMessage.Answer.CANNOT_RECEIVE:
        if not reason:
            raise ValidationError({"answer_reason": _("Say why the patient cannot be received.")})
        can_receive_from = None
    else:
        raise ValidationError({"answer": _("Choose an answer.")})
    now = timezone.now()
    KommuneMessage.objects.filter(pk=message.pk).update(
        answer=answer,
        can_receive_from=can_receive_from,
        answer_reason=reason,
        answered_at=now,
        answered_by=actor.user,
        read_at=message.read_at or now,
        read_by=message.read_by or actor.user,
    )
    message.refresh_from_db()
    episode = message.episode
    _audit(
        actor.user, actor.unit, audit.Action.UPDATE, episode, message, message.get_answer_display()
    )
    if answer == KommuneMessage.Answer.CAN_RECEIVE:
        title = _("%(unit)s can receive the patient from %(date)s") % {
            "unit": actor.unit.name,
            "date": can_receive_from.strftime("%d.%m.%Y"),
        }
    else:
        title = _("%(unit)s cannot receive the patient yet") % {"unit": actor.unit.name}
    notify(
        users=unit_users([message.from_unit]),
        kind="discharge_answer",
        title=title,
        body=reason,
        url=episode_url(episode),
        patient=episode.patient,
    )
    return message


# --- the ettervern plan -------------------------------------------------------------------


@transaction.atomic
def plan_start(*, episode, actor, variant: str = EttervernPlan.Variant.STANDARD):
    """Start the plan during the stay (either side); returns the existing one if there is one."""
    if not perms.can_write_plan(actor, episode):
        raise PermissionDenied(_("Only units on the care team can write the plan."))
    _require_open(episode)
    plan, created = EttervernPlan.objects.get_or_create(
        episode=episode, defaults={"patient_id": episode.patient_id, "variant": variant}
    )
    if created:
        _audit(
            actor.user, actor.unit, audit.Action.CREATE, episode, plan, plan.get_variant_display()
        )
    return plan


PART_FIELDS = {
    "specialist": EttervernPlan.SPECIALIST_FIELDS,
    "kommune": EttervernPlan.KOMMUNE_FIELDS,
}
PART_VERSION = {
    "specialist": "specialist_version",
    "kommune": "kommune_version",
}


@transaction.atomic
def plan_save_part(*, plan, part: str, actor, data: dict, version: int) -> EttervernPlan:
    """Save one part; refuses (StaleWrite) when it was saved by someone else meanwhile.

    Each part has its own version (``PART_VERSION``): the two sides never conflict with each
    other, only with someone writing the same part."""
    if part not in PART_FIELDS or not perms.can_edit_part(actor, plan, part):
        raise PermissionDenied(_("This part of the plan is written by the other side."))
    _require_open(plan.episode)
    fields = PART_FIELDS[part]
    data = {k: v for k, v in data.items() if k in fields}
    if part == "specialist":
        _check_way_back(data)
    elif part == "kommune":
        _check_kommune_dates(plan.episode, data)
    candidate = EttervernPlan.objects.select_for_update().get(pk=plan.pk)
    version_field = PART_VERSION[part]
    _check_part_version(candidate, version_field, version)
    changed = [f for f in data if getattr(candidate, f) != data[f]]
    for name, value in data.items():
        setattr(candidate, name, value)
    candidate.full_clean()
    updates = dict(data, updated_at=timezone.now())
    updates[version_field] = getattr(candidate, version_field) + 1
    if changed and (candidate.specialist_signed_at or candidate.kommune_signed_at):
        # A signature covers the text it was given for.
        updates.update(
            specialist_signed_at=None,
            specialist_signed_by=None,
            kommune_signed_at=None,
            kommune_signed_by=None,
        )
    EttervernPlan.objects.filter(pk=plan.pk).update(**updates)
    plan.refresh_from_db()
    _audit(
        actor.user,
        actor.unit,
        audit.Action.UPDATE,
        plan.episode,
        plan,
        _("Changed: %(fields)s") % {"fields": ", ".join(changed) or "–"},
    )
    return plan


def _check_way_back(data: dict) -> None:
    """An agreed way back names the unit and how long it holds; "no way back" carries none of
    that (a unit or conditions beside it would read as an agreement that is not there)."""
    kind = data.get("return_kind")
    errors = {}
    if kind in (EttervernPlan.Return.OPEN_RETURN, EttervernPlan.Return.SELF_REFERRAL_BED):
        if not data.get("return_unit"):
            errors["return_unit"] = _("Which unit is the way back to?")
        if not data.get("return_valid_until"):
            errors["return_valid_until"] = _("Until when is it valid?")
    elif kind == EttervernPlan.Return.NONE:
        message = _("No way back is agreed: leave this empty.")
        for name in ("return_unit", "return_conditions", "return_valid_until"):
            value = data.get(name)
            if value not in (None, "") and str(value).strip():
                errors[name] = message
    if errors:
        raise ValidationError(errors)
    DateRules().not_past(
        "return_valid_until",
        data.get("return_valid_until"),
        _("The agreement would already have run out. Until when is it valid?"),
    ).check()


def _check_kommune_dates(episode, data: dict) -> None:
    """Appointments in the kommune's part belong to this stay: not before it started."""
    message = _("The appointment is before the stay (%(date)s).")
    DateRules().not_before(
        "first_appointment_at", data.get("first_appointment_at"), episode.started_at, message
    ).not_before(
        "fastlege_appointment_at", data.get("fastlege_appointment_at"), episode.started_at, message
    ).check()


@dataclass
class ChecklistItem:
    key: str
    label: str
    done: bool
    side: str  # specialist, kommune or crisis (the patient's crisis plan, either side)


def discharge_date(episode) -> datetime.date | None:
    if episode.ended_at is not None:
        return timezone.localdate(episode.ended_at)
    return episode.planned_end


def ettervern_pdf_context(plan) -> dict:
    """What the printed ettervern plan (``pdf/ettervern.html``) shows beside the plan: the
    discharge, the kommune units on the team and the patient's crisis plan."""
    crisis = CrisisPlan.objects.for_patient(plan.patient_id)
    return {
        "patient": plan.patient,
        "plan": plan,
        "episode": plan.episode,
        "discharge_date": discharge_date(plan.episode),
        "kommune_units": kommune_units_on_team(plan.patient),
        "crisis": crisis,
        "crisis_contacts": list(crisis.contacts.all()) if crisis else [],
    }


def first_appointment_warning(plan) -> str:
    """A warning when the first kommune appointment is missing or too late."""
    limit = settings.ETTERVERN_FIRST_APPOINTMENT_DAYS
    if plan.first_appointment_at is None:
        return _("No first municipal appointment is booked.")
    day = discharge_date(plan.episode)
    if day and timezone.localdate(plan.first_appointment_at) > day + datetime.timedelta(limit):
        return _("The first municipal appointment is more than %(days)d days after discharge.") % {
            "days": limit
        }
    return ""


_UNSET = object()


def plan_checklist(plan, crisis=_UNSET) -> list[ChecklistItem]:
    """What the plan needs. ``crisis`` is the patient's ``CrisisPlan`` (or None) when the
    caller has looked it up (with its contacts prefetched)."""

    def filled(*values):
        return all(v is not None and str(v).strip() for v in values)

    if crisis is _UNSET:
        crisis = CrisisPlan.objects.for_patient(plan.patient_id)

    items = [
        ChecklistItem("summary", _("Summary for follow-up"), filled(plan.summary), "specialist"),
        ChecklistItem("medication", _("Medication"), filled(plan.medication), "specialist"),
        ChecklistItem(
            "risk",
            _("Risk assessed and told to the municipality and GP"),
            filled(plan.risk) and plan.risk_communicated,
            "specialist",
        ),
        ChecklistItem("return", _("The way back in"), bool(plan.return_kind), "specialist"),
        ChecklistItem(
            "housing", _("Housing on the day of discharge"), filled(plan.housing), "kommune"
        ),
        ChecklistItem("economy", _("Economy"), filled(plan.economy), "kommune"),
        ChecklistItem("activity", _("Activity, work or school"), filled(plan.activity), "kommune"),
        ChecklistItem(
            "first_appointment",
            _("First municipal appointment"),
            plan.first_appointment_at is not None,
            "kommune",
        ),
        ChecklistItem(
            "fastlege", _("GP appointment"), plan.fastlege_appointment_at is not None, "kommune"
        ),
        ChecklistItem(
            "crisis",
            _("Crisis plan: warning signs and who to call"),
            crisis is not None and crisis.is_in_place,
            "crisis",
        ),
    ]
    if plan.variant == EttervernPlan.Variant.PRISON:
        items.append(
            ChecklistItem(
                "release",
                _("Release: date, prison and who meets the person"),
                filled(plan.release_date, plan.prison, plan.met_by),
                "kommune",
            )
        )
    return items


def plan_progress(plan, crisis=_UNSET) -> tuple[int, int]:
    items = plan_checklist(plan, crisis)
    return sum(1 for i in items if i.done), len(items)


def sign_refusal_reasons(plan, actor) -> list[str]:
    side = perms.plan_side(plan, actor)
    reasons = []
    if plan.episode.ended_at is not None:
        reasons.append(_("The treatment has ended; the plan can no longer be signed."))
    if not perms.can_sign(actor, plan):
        reasons.append(_("Only the treating unit and the municipality sign the plan."))
        return reasons
    if side == "specialist" and not perms.is_clinician(actor):
        reasons.append(_("The specialist side is signed by a clinician."))
    if getattr(plan, f"{side}_signed_at") is not None:
        reasons.append(_("Your side has already signed."))
    missing = [i.label for i in plan_checklist(plan) if i.side in (side, "crisis") and not i.done]
    if missing:
        reasons.append(_("Missing in your part: %(items)s") % {"items": ", ".join(missing)})
    return reasons


@transaction.atomic
def plan_sign(*, plan, actor) -> EttervernPlan:
    """Sign the acting side's part; both sides sign before the discharge."""
    plan = EttervernPlan.objects.select_for_update().select_related("episode").get(pk=plan.pk)
    reasons = sign_refusal_reasons(plan, actor)
    if reasons:
        raise ValidationError(reasons)
    side = perms.plan_side(plan, actor)
    now = timezone.now()
    EttervernPlan.objects.filter(pk=plan.pk).update(
        **{f"{side}_signed_at": now, f"{side}_signed_by": actor.user}
    )
    plan.refresh_from_db()
    _audit(actor.user, actor.unit, audit.Action.UPDATE, plan.episode, plan, _("Signed (%s)") % side)
    if side == "kommune":
        other = unit_users([plan.episode.unit])
    else:
        other = kommune_recipients(plan.patient)
    notify(
        users=other,
        kind="discharge_plan_signed",
        title=_("The ettervern plan is signed by %(unit)s") % {"unit": actor.unit.name},
        url=reverse("pathways:ettervern_plan", args=[plan.patient_id, plan.episode_id]),
        patient=plan.patient,
    )
    return plan


# --- after discharge ----------------------------------------------------------------------


@transaction.atomic
def follow_up_add(
    *, episode, actor, at: datetime.datetime, with_whom: str, is_first_kommune=False
) -> FollowUpAppointment:
    _require_kommune(episode.patient, actor)
    rules = DateRules()
    if episode.ended_at is not None:
        rules.not_before(
            "at", at, episode.ended_at, _("The follow-up comes after the discharge (%(date)s).")
        )
    else:
        rules.not_before(
            "at", at, episode.started_at, _("The follow-up cannot be before the stay (%(date)s).")
        )
    rules.check()
    appointment = FollowUpAppointment(
        episode=episode,
        patient_id=episode.patient_id,
        at=at,
        with_whom=(with_whom or "").strip(),
        unit=actor.unit,
        is_first_kommune=is_first_kommune,
        created_by=actor.user,
    )
    appointment.full_clean()
    appointment.save()
    _audit(actor.user, actor.unit, audit.Action.CREATE, episode, appointment, str(appointment))
    return appointment


@transaction.atomic
def follow_up_record(*, appointment, actor, attended: bool) -> FollowUpAppointment:
    """The kommune records whether the appointment happened; a no-show alerts the koordinator."""
    episode = appointment.episode
    _require_kommune(episode.patient, actor)
    if appointment.at > timezone.now():
        raise ValidationError(_("The appointment has not taken place yet."))
    FollowUpAppointment.objects.filter(pk=appointment.pk).update(
        attended=attended, recorded_at=timezone.now(), recorded_by=actor.user
    )
    appointment.refresh_from_db()
    _audit(
        actor.user,
        actor.unit,
        audit.Action.UPDATE,
        episode,
        appointment,
        _("Attended") if attended else _("Did not attend"),
    )
    if not attended:
        notify(
            users=kommune_recipients(episode.patient, coordinator_units(episode.patient)),
            kind="discharge_no_show",
            title=_("Did not attend: %(what)s %(when)s")
            % {
                "what": appointment.with_whom,
                "when": timezone.localtime(appointment.at).strftime("%d.%m.%Y %H:%M"),
            },
            url=episode_url(episode),
            patient=episode.patient,
            urgent=True,
        )
    return appointment


# --- moving between kommuner --------------------------------------------------------------


@transaction.atomic
def kommune_move_start(
    *, patient, actor, to_unit, handover_date: datetime.date, consent_given_on: datetime.date
) -> KommuneMove:
    """The new kommune joins the care team with consent; the old one leaves after handover."""
    _require_kommune(patient, actor)
    if (
        to_unit is None
        or not to_unit.is_kommune
        or to_unit.organisation_id == actor.unit.organisation_id
    ):
        raise ValidationError({"to_unit": _("Choose a unit in the new municipality.")})
    if handover_date < timezone.localdate():
        raise ValidationError({"handover_date": _("The handover date cannot be in the past.")})
    consent_record(
        patient=patient,
        actor=actor,
        scope=Consent.Scope.SHARING,
        given_on=consent_given_on,
        units=[to_unit],
        role=CareTeamMember.Role.COORDINATING,
    )
    move = KommuneMove.objects.create(
        patient=patient,
        from_unit=actor.unit,
        to_unit=to_unit,
        handover_date=handover_date,
        created_by=actor.user,
    )
    audit.record_by(actor, audit.Action.CREATE, patient=patient, obj=move)
    notify(
        users=unit_users([to_unit]),
        kind="discharge_kommune_move",
        title=_("%(name)s is moving to your municipality (handover %(date)s)")
        % {"name": patient.full_name, "date": handover_date.strftime("%d.%m.%Y")},
        url=reverse("pathways:patient_overview", args=[patient.pk]),
        patient=patient,
    )
    _move_messages(move, actor)
    return move


def _move_messages(move, actor) -> None:
    """A patient in treatment moves: each open episode carries a message to the new kommune
    (so it finds the stay and what has been said), and the treating unit is told that its
    notices go to the new kommune from now on."""
    text = _("Moves from %(from)s to %(to)s; handover %(date)s.") % {
        "from": move.from_unit.name,
        "to": move.to_unit.name,
        "date": move.handover_date.strftime("%d.%m.%Y"),
    }
    for episode in TreatmentEpisode.objects.filter(
        patient_id=move.patient_id, ended_at__isnull=True
    ).select_related("unit"):
        message = KommuneMessage.objects.create(
            episode=episode,
            patient_id=move.patient_id,
            kind=MsgKind.MOVED,
            from_unit=actor.unit,
            to_unit=move.to_unit,
            text=text,
            sent_by=actor.user,
        )
        _audit(actor.user, actor.unit, audit.Action.CREATE, episode, message, text)
        notify(
            users=unit_users([episode.unit]),
            kind="discharge_moved",
            title=_("Moving to another municipality: %(unit)s")
            % {"unit": move.to_unit.organisation.name},
            body=text,
            url=episode_url(episode),
            patient=episode.patient,
        )


@transaction.atomic
def kommune_move_complete(*, move, actor=SYSTEM, today=None) -> bool:
    """After the handover date: the old kommune's units leave the care team."""
    if move.handover_date > (today or timezone.localdate()):
        raise ValidationError(_("The handover date has not come yet."))
    if not KommuneMove.objects.filter(pk=move.pk, completed_at__isnull=True).update(
        completed_at=timezone.now()
    ):
        return False
    old_org = move.from_unit.organisation_id
    for member in (
        CareTeamMember.objects.active()
        .filter(patient_id=move.patient_id, unit__organisation_id=old_org)
        .select_related("unit", "patient")
    ):
        care_team_end(member=member, actor=actor, reason=_("Moved to another municipality"))
    Patient.objects.filter(pk=move.patient_id).update(
        home_kommune_id=move.to_unit.organisation_id, version=F("version") + 1
    )
    return True


def kommune_moves_complete_due(now=None) -> int:
    """Complete every move whose handover date has come (a periodic job of the sweep)."""
    today = timezone.localdate(now)
    count = 0
    for move in KommuneMove.objects.filter(
        completed_at__isnull=True, handover_date__lte=today
    ).select_related("from_unit", "to_unit"):
        count += kommune_move_complete(move=move, today=today)
    return count


# --- figures ------------------------------------------------------------------------------


@dataclass
class DischargeFigures:
    discharges: int
    signed_before: int
    told_ahead: int
    first_within_7: int
    unplanned: int
    unplanned_told: int
    unplanned_median_minutes: float | None
    unplanned_max_minutes: float | None
    notice_days: int

    signed_share = share_of("signed_before", "discharges")
    told_share = share_of("told_ahead", "discharges")
    first_share = share_of("first_within_7", "discharges")


def discharge_statistics(
    unit, start: datetime.date, end: datetime.date, *, notice_days: int = 7
) -> DischargeFigures:
    """Døgn discharges (planned and unplanned) in [start, end] for the unit: at the unit for a
    specialist unit, of the unit's care-team patients for a kommune unit. One query."""
    tz = timezone.get_current_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    next_day = end + datetime.timedelta(days=1)
    until = datetime.datetime.combine(next_day, datetime.time.min, tzinfo=tz)
    episodes = TreatmentEpisode.objects.filter(
        kind=Kind.DOGN,
        ended_at__gte=since,
        ended_at__lt=until,
        end_kind__in=[EndKind.PLANNED, EndKind.UNPLANNED],
    )
    if unit.is_specialist:
        episodes = episodes.filter(unit=unit)
    else:
        episodes = episodes.filter(patient__in=patients_of_unit(unit))
    messages = KommuneMessage.objects.filter(episode=OuterRef("pk"))
    rows = episodes.annotate(
        signed_before=Exists(
            EttervernPlan.objects.filter(
                episode=OuterRef("pk"),
                specialist_signed_at__lte=OuterRef("ended_at"),
                kommune_signed_at__lte=OuterRef("ended_at"),
            )
        ),
        first_ready=Subquery(
            messages.filter(kind=MsgKind.READY)
            .order_by()
            .values("episode")
            .annotate(m=Min("sent_at"))
            .values("m")
        ),
        first_unplanned=Subquery(
            messages.filter(kind=MsgKind.UNPLANNED)
            .order_by()
            .values("episode")
            .annotate(m=Min("sent_at"))
            .values("m")
        ),
        first_follow_up=Subquery(
            FollowUpAppointment.objects.filter(
                Q(episode=OuterRef("pk")), Q(at__gte=OuterRef("ended_at"))
            )
            .order_by()
            .values("episode")
            .annotate(m=Min("at"))
            .values("m")
        ),
    ).values(
        "end_kind", "ended_at", "signed_before", "first_ready", "first_unplanned", "first_follow_up"
    )
    discharges = signed = told = first = unplanned = 0
    delays = []
    for row in rows.iterator():
        discharges += 1
        ended = row["ended_at"]
        signed += bool(row["signed_before"])
        ready = row["first_ready"]
        told += bool(ready and ready <= ended - datetime.timedelta(days=notice_days))
        follow = row["first_follow_up"]
        first += bool(follow and follow <= ended + datetime.timedelta(days=7))
        if row["end_kind"] == EndKind.UNPLANNED:
            unplanned += 1
            if row["first_unplanned"] is not None:
                delays.append(max(0.0, (row["first_unplanned"] - ended).total_seconds() / 60))
    return DischargeFigures(
        discharges=discharges,
        signed_before=signed,
        told_ahead=told,
        first_within_7=first,
        unplanned=unplanned,
        unplanned_told=len(delays),
        unplanned_median_minutes=round(statistics.median(delays), 1) if delays else None,
        unplanned_max_minutes=round(max(delays), 1) if delays else None,
        notice_days=notice_days,
    )
