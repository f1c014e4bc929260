"""Every change to a referral: permission, validation, row lock, audit, timeline, notification.

Each transition locks the referral row (``select_for_update``) and checks its state and, where a
form carried it, its version; a second person acting on the same referral at the same time gets
``ReferralConflict`` (a ``StaleWrite``) with a clear message instead of overwriting the first.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.acting import SYSTEM, Actor
from accounts.models import Membership, ServiceUnit
from pathways import uploads
from pathways.dates import DateRules, short_date
from pathways.episodes.services import consent_withdrawn_for, episode_end, episode_start
from pathways.models import CareTeamMember, Consent, Patient, TreatmentEpisode
from pathways.notifications.reminders import notify, unit_users
from pathways.patients.services.careteam import (
    care_team_add,
    care_team_end,
    consent_in_force,
    consent_record,
)
from pathways.stale import StaleWrite
from pathways.workdays import add_working_days
from referrals import permissions as perms
from referrals.models import (
    EDITABLE_FIELDS,
    Attachment,
    InformationRequest,
    Referral,
    ReferralEvent,
    WaitingFollowUp,
)
from referrals.placement import selectors as placement

State = Referral.State
Kind = ReferralEvent.Kind
Role = Membership.Role

ASSESSMENT_WORKING_DAYS = 10
UNDER_23_WARNING_WORKING_DAYS = 65

# The granted kind of help decides the kind of treatment episode.
EPISODE_KIND = {
    Referral.HelpKind.OUTPATIENT: TreatmentEpisode.Kind.POLIKLINIKK,
    Referral.HelpKind.INPATIENT: TreatmentEpisode.Kind.DOGN,
    Referral.HelpKind.LAR: TreatmentEpisode.Kind.LAR,
    Referral.HelpKind.DETOX: TreatmentEpisode.Kind.AVRUSNING,
}


class ReferralConflict(StaleWrite):
    """The referral changed (or is in another state) since the user opened the form: a stale
    write with a message that says what happened (withdrawn, already assessed, ...)."""

    def __init__(self, message: str, current: Referral):
        super().__init__(current, message=message)


class DuplicateReferral(ValidationError):
    """The referring unit already has an open referral for the patient at the receiving unit:
    a second one is sent only with an explicit "send anyway" (``send_anyway=True``)."""

    def __init__(self, existing: list):
        self.existing = existing
        super().__init__(
            {
                "send_anyway": _(
                    "Your unit already has an open referral for this patient to %(unit)s. "
                    "Open it to add what is new, or tick “Send anyway” to send a "
                    "second referral."
                )
                % {"unit": existing[0].receiving_unit.name}
            }
        )


# --- helpers ---


def referral_url(referral) -> str:
    return reverse("referrals:detail", args=[referral.pk])


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not do this with this referral."))


def _lock(referral: Referral, *, version: int | None = None) -> Referral:
    """The current row, locked until the transaction ends; refuses a stale version."""
    current = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("patient", "referring_unit", "receiving_unit")
        .get(pk=referral.pk)
    )
    if version is not None and current.version != version:
        raise _stale(current)
    return current


def _stale(current: Referral) -> ReferralConflict:
    return ReferralConflict(
        _(
            "Someone else changed this referral while you were working on it. Check what "
            "it says now; what you typed is kept below."
        ),
        current,
    )


def _refuse_state(current: Referral, allowed) -> None:
    if current.state in allowed:
        return
    if current.state == State.WITHDRAWN:
        message = _("The referral has been withdrawn by the referring unit.")
    elif current.state in (State.GRANTED, State.REJECTED) and State.GRANTED not in allowed:
        message = _("The referral has already been assessed (%(state)s).") % {
            "state": current.get_state_display().lower()
        }
    else:
        message = _("This cannot be done while the referral is %(state)s.") % {
            "state": current.get_state_display().lower()
        }
    raise ReferralConflict(message, current)


def _save(referral: Referral, fields: list[str]) -> None:
    referral.version = F("version") + 1
    referral.save(update_fields=[*fields, "version"])
    referral.refresh_from_db(fields=["version"])


def _event(referral, kind, *, actor=SYSTEM, text="") -> ReferralEvent:
    return ReferralEvent.objects.create(
        referral=referral, kind=kind, user=actor.user, unit=actor.unit, text=text
    )


def _audit(referral, *, actor, detail, action=audit.Action.UPDATE, obj=None):
    audit.record_by(
        actor,
        action,
        patient=referral.patient_id,
        obj=obj or referral,
        basis=audit.Basis.SYSTEM if actor.user is None else audit.Basis.CARE_TEAM,
        detail=detail,
    )


def _notify_unit(unit, referral, *, title, roles=None, urgent=False, body=""):
    notify(
        users=unit_users([unit], roles=roles),
        kind="referral",
        title=title,
        url=referral_url(referral),
        body=body,
        patient=referral.patient,
        urgent=urgent,
    )


def _not_future(value, field):
    if value and value > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})


def _is_under_23(patient, on) -> bool:
    return patient.age(on) < 23


def _receive(referral: Referral, *, actor, on: datetime.date, seniority_date=None) -> None:
    """The receiving unit gets the referral: dates, deadline, care team, notification."""
    referral.state = State.RECEIVED
    referral.received_on = on
    referral.seniority_date = seniority_date or on
    referral.assessment_due = add_working_days(referral.seniority_date, ASSESSMENT_WORKING_DAYS)
    referral.under_23 = _is_under_23(referral.patient, referral.seniority_date)
    care_team_add(
        patient=referral.patient,
        unit=referral.receiving_unit,
        role=CareTeamMember.Role.TREATING,
        basis=CareTeamMember.Basis.REFERRAL,
        actor=actor,
    )
    _event(referral, Kind.RECEIVED, actor=Actor(None, referral.receiving_unit))
    _notify_unit(
        referral.receiving_unit,
        referral,
        roles=perms.ASSESS_ROLES,
        title=_("New referral: %(name)s") % {"name": referral.patient.full_name},
        urgent=referral.is_urgent,
    )


def _validate_content(referral: Referral, *, sending: bool) -> None:
    referral.full_clean(exclude=["patient", "referring_unit", "receiving_unit", "referred_by"])
    receiving = referral.receiving_unit
    if receiving.pk == referral.referring_unit_id:
        raise ValidationError({"receiving_unit": _("A unit cannot refer to itself.")})
    if receiving.kind not in ServiceUnit.SPECIALIST_KINDS:
        raise ValidationError({"receiving_unit": _("Choose a specialist service unit.")})
    _not_future(referral.consent_given_on, "consent_given_on")
    if (
        sending
        and referral.consent_given_on is None
        and referral_consent(referral.patient, receiving) is None
    ):
        raise ValidationError(
            {"consent_given_on": _("Record when the patient consented to the referral.")}
        )


def referral_consent(patient, receiving_unit) -> Consent | None:
    """The patient's consent in force to be referred to ``receiving_unit``: one for that unit,
    else one to referral without a particular unit."""
    return consent_in_force(patient, Consent.Scope.REFERRAL, receiving_unit) or consent_in_force(
        patient, Consent.Scope.REFERRAL
    )


def open_duplicates(referral: Referral):
    """Open referrals (sent, not ended) from the same unit to the same unit for the same
    patient, other than ``referral``: what a second sending would duplicate."""
    return (
        Referral.objects.filter(
            patient_id=referral.patient_id,
            referring_unit_id=referral.referring_unit_id,
            receiving_unit_id=referral.receiving_unit_id,
            state__in=Referral.ACTIVE,
        )
        .exclude(pk=referral.pk)
        .select_related("receiving_unit", "referred_by")
        .order_by("sent_at", "pk")
    )


# --- the referring side ---


@transaction.atomic
def referral_create(
    *, patient, actor, receiving_unit, data: dict, send: bool, send_anyway: bool = False
) -> Referral:
    """Create a referral as a draft, or create and send it at once (``send_anyway``: see
    ``referral_send``)."""
    _require(perms.can_refer(actor))
    referral = Referral(
        patient=patient,
        referring_unit=actor.unit,
        referred_by=actor.user,
        receiving_unit=receiving_unit,
        **{k: v for k, v in data.items() if k in EDITABLE_FIELDS},
    )
    _validate_content(referral, sending=send)
    referral.save()
    _event(referral, Kind.CREATED, actor=actor)
    _audit(referral, actor=actor, action=audit.Action.CREATE, detail=_("Referral created"))
    if send:
        referral = referral_send(referral=referral, actor=actor, send_anyway=send_anyway)
    return referral


@transaction.atomic
def referral_update_draft(
    *,
    referral,
    actor,
    receiving_unit,
    data: dict,
    version: int | None,
    send: bool = False,
    send_anyway: bool = False,
) -> Referral:
    """Save a draft the form opened at ``version`` (a form without one is stale too), and
    with ``send`` send it: both or neither."""
    current = _lock(referral, version=version)
    if version is None:
        raise _stale(current)
    if not current.is_draft and perms.on_side(actor, current, perms.REFERRER, perms.REFERRER_ROLES):
        # Sent by a colleague meanwhile.
        raise ReferralConflict(_("Only drafts can be changed."), current)
    _require(perms.can_edit_draft(actor, current))
    for key in EDITABLE_FIELDS:
        if key in data:
            setattr(current, key, data[key])
    current.receiving_unit = receiving_unit
    _validate_content(current, sending=False)
    _save(current, [*EDITABLE_FIELDS, "receiving_unit"])
    _audit(current, actor=actor, detail=_("Draft changed"))
    if send:
        return referral_send(referral=current, actor=actor, send_anyway=send_anyway)
    return current


@transaction.atomic
def referral_send(
    *, referral, actor, version: int | None = None, send_anyway: bool = False
) -> Referral:
    """Send a draft. While the unit has another open referral for the patient to the same
    unit, only ``send_anyway`` sends it (``DuplicateReferral`` otherwise); that choice is
    audited."""
    current = _lock(referral, version=version)
    _require(perms.can_edit_draft(actor, current))
    _validate_content(current, sending=True)
    # One sender per patient at a time, so two drafts cannot both pass the duplicate check.
    Patient.objects.select_for_update().filter(pk=current.patient_id).first()
    duplicates = list(open_duplicates(current))
    if duplicates and not send_anyway:
        raise DuplicateReferral(duplicates)
    today = timezone.localdate()
    # The consent to this referral in force (for this unit, else for referral anywhere) is
    # the one it rests on; only without one is the date typed in the form recorded.
    consent = referral_consent(current.patient, current.receiving_unit)
    if consent is None:
        consent = consent_record(
            patient=current.patient,
            actor=actor,
            scope=Consent.Scope.REFERRAL,
            given_on=current.consent_given_on,
            units=[current.receiving_unit],
        )[0]
    current.consent = consent
    current.consent_given_on = consent.given_on
    current.sent_at = timezone.now()
    sent_text = current.receiving_unit.name
    if duplicates:
        sent_text = _("%(unit)s (sent anyway: another referral there is open)") % {
            "unit": sent_text
        }
    _event(current, Kind.SENT, actor=actor, text=sent_text)
    _receive(current, actor=actor, on=today)
    _save(
        current,
        [
            "consent",
            "consent_given_on",
            "sent_at",
            "state",
            "received_on",
            "seniority_date",
            "assessment_due",
            "under_23",
        ],
    )
    _audit(
        current,
        actor=actor,
        detail=_("Referral sent to %(unit)s") % {"unit": current.receiving_unit.name},
    )
    if duplicates:
        also_open = ", ".join(f"#{d.pk}" for d in duplicates)
        _audit(
            current,
            actor=actor,
            detail=_("Sent anyway, although referral %(ids)s to the same unit is open")
            % {"ids": also_open},
        )
    return current


@transaction.atomic
def open_stay_at_receiver(referral: Referral, *, unit_only: bool = False):
    """An open treatment episode of the patient at the receiving unit (or, unless
    ``unit_only``, another unit of its organisation, where an admission may take the referral)
    that is not linked to this referral: an emergency admission, say."""
    where = (
        Q(unit_id=referral.receiving_unit_id)
        if unit_only
        else Q(unit__organisation_id=referral.receiving_unit.organisation_id)
    )
    return (
        TreatmentEpisode.objects.filter(
            where, patient_id=referral.patient_id, ended_at__isnull=True
        )
        .exclude(pk=referral.treatment_episode_id or 0)
        .select_related("unit")
        .order_by("started_at")
        .first()
    )


def referral_withdraw(
    *, referral, actor, reason: str, version: int | None = None, episode_action: str = ""
):
    """Withdraw the referral. When the patient is in treatment at the receiving unit, the
    referrer says so knowingly (``episode_action`` "keep"): withdrawing does not end the stay,
    which only the treating unit can; that unit is told, and keeps its access."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for withdrawing the referral.")})
    current = _lock(referral, version=version)
    _refuse_state(current, (State.RECEIVED, State.UNDER_ASSESSMENT, State.GRANTED))
    _require(perms.can_withdraw(actor, current))
    stay = open_stay_at_receiver(current)
    if stay is not None and episode_action != EPISODE_KEEP:
        raise ValidationError(
            {
                "episode_action": _(
                    "The patient is in treatment at %(unit)s. Withdrawing does not end it: "
                    "confirm that %(unit)s is told and decides."
                )
                % {"unit": stay.unit.name}
            }
        )
    current.state = State.WITHDRAWN
    current.withdrawn_reason = reason
    current.ended_at = timezone.now()
    current.access_ends_on = timezone.localdate() + datetime.timedelta(
        days=settings.REFERRAL_REJECTED_ACCESS_DAYS
    )
    _save(current, ["state", "withdrawn_reason", "ended_at", "access_ends_on"])
    text = reason
    if stay is not None:
        text = _("%(reason)s (the treatment stays open)") % {"reason": reason}
        _notify_unit(
            stay.unit,
            current,
            urgent=True,
            title=_("Referral for %(name)s withdrawn; the treatment at your unit is still open")
            % {"name": current.patient.full_name},
            body=reason,
        )
    _event(current, Kind.WITHDRAWN, actor=actor, text=text)
    _audit(current, actor=actor, detail=_("Referral withdrawn"))
    _notify_unit(
        current.receiving_unit,
        current,
        title=_("Referral withdrawn: %(name)s") % {"name": current.patient.full_name},
        body=reason,
    )
    return current


@transaction.atomic
def referral_answer_information(*, info_request, actor, answer: str) -> InformationRequest:
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Write the answer.")})
    current = _lock(info_request.referral)
    _require(perms.can_answer(actor, current))
    updated = InformationRequest.objects.filter(
        pk=info_request.pk, referral=current, answered_at__isnull=True
    ).update(answer=answer, answered_at=timezone.now(), answered_by=actor.user)
    if not updated:
        raise ReferralConflict(_("This question has already been answered."), current)
    info_request.refresh_from_db()
    _save(current, [])
    _event(current, Kind.INFO_ANSWERED, actor=actor, text=answer)
    _audit(current, actor=actor, obj=info_request, detail=_("Information given"))
    _notify_unit(
        current.receiving_unit,
        current,
        roles=perms.ASSESS_ROLES,
        title=_("Answer on referral: %(name)s") % {"name": current.patient.full_name},
    )
    return info_request


@transaction.atomic
def referral_record_follow_up(*, referral, actor, data: dict) -> WaitingFollowUp:
    current = _lock(referral)
    _refuse_state(current, (State.GRANTED,))
    _require(perms.can_follow_up(actor, current))
    follow_up = WaitingFollowUp(referral=current, recorded_by=actor.user, unit=actor.unit, **data)
    follow_up.full_clean()
    follow_up.save()
    _save(current, [])
    _event(
        current,
        Kind.FOLLOW_UP,
        actor=actor,
        text=f"{follow_up.contact_frequency} – {follow_up.responsible}",
    )
    _audit(
        current,
        actor=actor,
        obj=follow_up,
        action=audit.Action.CREATE,
        detail=_("Waiting-time follow-up recorded"),
    )
    return follow_up


# --- the receiving side ---


@transaction.atomic
def referral_start_assessment(*, referral, actor) -> Referral:
    current = _lock(referral)
    _refuse_state(current, (State.RECEIVED,))
    _require(perms.can_assess(actor, current))
    current.state = State.UNDER_ASSESSMENT
    current.assessment_started_at = timezone.now()
    _save(current, ["state", "assessment_started_at"])
    _event(current, Kind.ASSESSMENT_STARTED, actor=actor)
    _audit(current, actor=actor, detail=_("Assessment started"))
    return current


@transaction.atomic
def referral_request_information(*, referral, actor, question: str) -> InformationRequest:
    """Ask the referrer for more. The assessment clock keeps running."""
    question = (question or "").strip()
    if not question:
        raise ValidationError({"question": _("Say what information is missing.")})
    current = _lock(referral)
    _refuse_state(current, Referral.AWAITING_ASSESSMENT)
    _require(perms.can_assess(actor, current))
    info_request = InformationRequest.objects.create(
        referral=current, question=question, asked_by=actor.user
    )
    _save(current, [])
    _event(current, Kind.INFO_REQUESTED, actor=actor, text=question)
    _audit(
        current,
        actor=actor,
        obj=info_request,
        action=audit.Action.CREATE,
        detail=_("More information requested"),
    )
    _notify_unit(
        current.referring_unit,
        current,
        title=_("%(unit)s asks for more information about %(name)s")
        % {"unit": current.receiving_unit.name, "name": current.patient.full_name},
        body=question,
    )
    return info_request


def validate_grant(*, referral, start_deadline, help_kind, planned_appointment=None) -> None:
    errors = {}
    today = timezone.localdate()
    if start_deadline is None:
        errors["start_deadline"] = _("Set the start deadline (frist).")
    elif referral.received_on and start_deadline < referral.received_on:
        errors["start_deadline"] = _(
            "The frist cannot be before the date the referral was received (%(date)s)."
        ) % {"date": referral.received_on.strftime("%d.%m.%Y")}
    elif start_deadline < today:
        errors["start_deadline"] = _("The frist cannot be in the past.")
    if not help_kind:
        errors["help_kind"] = _("Choose the kind of help.")
    if planned_appointment is not None:
        when = timezone.localtime(planned_appointment).date()
        if when < today:
            errors["planned_appointment"] = _("The planned appointment cannot be in the past.")
        elif start_deadline and when > start_deadline:
            errors["planned_appointment"] = _("The planned appointment is after the frist.")
    if errors:
        raise ValidationError(errors)


def under_23_frist_warning(referral, start_deadline) -> bool:
    """True when a young patient's frist is later than the guideline threshold (not law)."""
    if not referral.under_23 or start_deadline is None or referral.seniority_date is None:
        return False
    limit = add_working_days(referral.seniority_date, UNDER_23_WARNING_WORKING_DAYS)
    return start_deadline > limit


@transaction.atomic
def referral_grant(
    *,
    referral,
    actor,
    start_deadline: datetime.date,
    help_kind: str,
    planned_appointment: datetime.datetime | None = None,
    note: str = "",
    version: int | None = None,
) -> Referral:
    """Rett til nødvendig helsehjelp with a binding frist."""
    current = _lock(referral, version=version)
    _refuse_state(current, Referral.AWAITING_ASSESSMENT)
    _require(perms.can_assess(actor, current))
    validate_grant(
        referral=current,
        start_deadline=start_deadline,
        help_kind=help_kind,
        planned_appointment=planned_appointment,
    )
    current.state = State.GRANTED
    current.start_deadline = start_deadline
    current.help_kind = help_kind
    current.planned_appointment = planned_appointment
    current.assessed_at = timezone.now()
    current.assessed_by = actor.user
    _save(
        current,
        [
            "state",
            "start_deadline",
            "help_kind",
            "planned_appointment",
            "assessed_at",
            "assessed_by",
        ],
    )
    text = _("Frist %(date)s, %(kind)s") % {
        "date": start_deadline.strftime("%d.%m.%Y"),
        "kind": current.get_help_kind_display(),
    }
    if note:
        text = f"{text}. {note.strip()}"
    _event(current, Kind.GRANTED, actor=actor, text=text)
    _audit(
        current,
        actor=actor,
        detail=_("Right to necessary care granted; %(text)s") % {"text": text},
    )
    _notify_unit(
        current.referring_unit,
        current,
        title=_("Right to care granted for %(name)s, frist %(date)s")
        % {"name": current.patient.full_name, "date": start_deadline.strftime("%d.%m.%Y")},
    )
    return current


@transaction.atomic
def referral_reject(
    *,
    referral,
    actor,
    reason: str,
    forward_to: ServiceUnit | None = None,
    version: int | None = None,
) -> Referral:
    """Avslag with a reason; with ``forward_to`` the referral goes on to that unit.

    Returns the referral that now carries the patient: the new one when forwarded.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"rejection_reason": _("Give the reason for the rejection.")})
    current = _lock(referral, version=version)
    _refuse_state(current, Referral.AWAITING_ASSESSMENT)
    _require(perms.can_assess(actor, current))
    if forward_to is not None:
        _validate_forward_target(current, forward_to)
    current.state = State.REJECTED
    current.rejection_reason = reason
    current.assessed_at = timezone.now()
    current.assessed_by = actor.user
    current.ended_at = current.assessed_at
    fields = ["state", "rejection_reason", "assessed_at", "assessed_by", "ended_at"]
    if forward_to is None:
        current.access_ends_on = timezone.localdate() + datetime.timedelta(
            days=settings.REFERRAL_REJECTED_ACCESS_DAYS
        )
        fields.append("access_ends_on")
    _save(current, fields)
    _event(current, Kind.REJECTED, actor=actor, text=reason)
    _audit(current, actor=actor, detail=_("Referral rejected"))
    if forward_to is not None:
        return _forward(current, actor=actor, to_unit=forward_to)
    _notify_unit(
        current.referring_unit,
        current,
        title=_("Referral for %(name)s rejected by %(unit)s")
        % {"name": current.patient.full_name, "unit": current.receiving_unit.name},
        body=reason,
    )
    return current


def _validate_forward_target(current: Referral, to_unit: ServiceUnit) -> None:
    if to_unit.pk == current.receiving_unit_id:
        raise ValidationError(
            {"forward_to": _("The referral cannot be forwarded to the same unit.")}
        )
    if to_unit.pk == current.referring_unit_id or to_unit.kind not in ServiceUnit.SPECIALIST_KINDS:
        raise ValidationError(
            {"forward_to": _("Forward to another specialist unit, not back to the referrer.")}
        )
    # Forwarding makes a referral from the same referrer: where that referrer already has an
    # open one for the patient, a forwarded copy would be a second referral at the unit (two
    # countdowns, two assessments). The unit already has the patient; it is told instead.
    existing = (
        Referral.objects.filter(
            patient_id=current.patient_id,
            referring_unit_id=current.referring_unit_id,
            receiving_unit_id=to_unit.pk,
            state__in=Referral.ACTIVE,
        )
        .order_by("sent_at", "pk")
        .first()
    )
    if existing is not None:
        raise ValidationError(
            {
                "forward_to": _(
                    "%(unit)s already has an open referral for this patient from the same "
                    "referrer (sent %(date)s). Forward to another unit, or contact %(unit)s."
                )
                % {"unit": to_unit.name, "date": short_date(existing.sent_at)}
            }
        )


@transaction.atomic
def referral_forward(*, referral, actor, to_unit: ServiceUnit) -> Referral:
    """Forward an already rejected referral (within the access window)."""
    current = _lock(referral)
    _refuse_state(current, (State.REJECTED,))
    if Referral.objects.filter(forwarded_from=current).exists():
        raise ReferralConflict(_("The referral has already been forwarded."), current)
    _require(perms.can_forward(actor, current))
    _validate_forward_target(current, to_unit)
    if current.access_ends_on is not None:
        current.access_ends_on = None
        _save(current, ["access_ends_on"])
    return _forward(current, actor=actor, to_unit=to_unit)


def _forward(current: Referral, *, actor, to_unit: ServiceUnit) -> Referral:
    """A new referral at ``to_unit``: same content, same seniority date, the history kept."""
    new = Referral(
        patient=current.patient,
        referring_unit=current.referring_unit,
        referred_by=current.referred_by,
        receiving_unit=to_unit,
        forwarded_from=current,
        chain=current.chain,
        depth=current.depth + 1,
        consent=current.consent,
        sent_at=timezone.now(),
        **{key: getattr(current, key) for key in EDITABLE_FIELDS},
    )
    new.save()
    for attachment in current.attachments.all():
        # The same stored file, listed on the new referral.
        Attachment.objects.create(
            referral=new,
            file=attachment.file.name,
            filename=attachment.filename,
            content_type=attachment.content_type,
            size=attachment.size,
            description=attachment.description,
            uploaded_at=attachment.uploaded_at,
            uploaded_by=attachment.uploaded_by,
            uploaded_by_unit=attachment.uploaded_by_unit,
        )
    _event(current, Kind.FORWARDED, actor=actor, text=to_unit.name)
    _receive(new, actor=actor, on=timezone.localdate(), seniority_date=current.seniority_date)
    new.save(update_fields=["state", "received_on", "seniority_date", "assessment_due", "under_23"])
    _audit(
        current,
        actor=actor,
        detail=_("Referral forwarded to %(unit)s") % {"unit": to_unit.name},
    )
    _audit(new, actor=actor, action=audit.Action.CREATE, detail=_("Forwarded referral"))
    _notify_unit(
        current.referring_unit,
        new,
        title=_("Referral for %(name)s forwarded from %(from)s to %(to)s")
        % {
            "name": current.patient.full_name,
            "from": current.receiving_unit.name,
            "to": to_unit.name,
        },
        body=current.rejection_reason,
    )
    return new


def _start_episode(referral, *, actor, on: datetime.date, unit=None) -> TreatmentEpisode | None:
    """The treatment episode at the receiving unit (or ``unit`` of the same organisation), of
    the granted kind of help. Started today: now; started on an earlier day: the start of that
    day."""
    kind = EPISODE_KIND.get(referral.help_kind)
    if kind is None:
        return None
    if on == timezone.localdate():
        started_at = timezone.now()
    else:
        started_at = timezone.make_aware(datetime.datetime.combine(on, datetime.time.min))
    return episode_start(
        patient=referral.patient,
        actor=actor,
        kind=kind,
        started_at=started_at,
        unit=unit,
        source=referral,
    )


def _mark_started(current: Referral, *, actor, on: datetime.date, episode) -> None:
    """The referral leaves the waiting list: treatment started (on ``on``), linked to
    ``episode``; the referring unit is told."""
    current.state = State.TREATMENT_STARTED
    current.treatment_started_on = on
    current.treatment_episode = episode
    _save(current, ["state", "treatment_started_on", "treatment_episode"])
    _event(current, Kind.TREATMENT_STARTED, actor=actor, text=on.strftime("%d.%m.%Y"))
    _audit(current, actor=actor, detail=_("Treatment started"))
    where = episode.unit if episode is not None else current.receiving_unit
    _notify_unit(
        current.referring_unit,
        current,
        title=_("Treatment started for %(name)s at %(unit)s")
        % {"name": current.patient.full_name, "unit": where.name},
    )


@transaction.atomic
def referral_start_treatment(*, referral, actor, on: datetime.date, unit=None) -> Referral:
    """Treatment has started: the treatment episode starts at the receiving unit (or at
    ``unit``, a unit of the same organisation such as its døgn unit), linked here."""
    current = _lock(referral)
    _refuse_state(current, (State.GRANTED,))
    _require(perms.can_start_treatment(actor, current))
    if on is None:
        raise ValidationError({"on": _("Enter the date treatment started.")})
    _not_future(on, "on")
    if current.received_on and on < current.received_on:
        raise ValidationError({"on": _("Treatment cannot start before the referral was received.")})
    episode = _start_episode(current, actor=actor, on=on, unit=unit)
    _mark_started(current, actor=actor, on=on, episode=episode)
    return current


# --- placement: where the patient will be treated, and when ---

# A reason must say something: not "x", not "ok".
MIN_REASON_LENGTH = 10


def _reason_error(reason: str, message: str) -> None:
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError({"reason": message})


@transaction.atomic
def referral_place(
    *, referral, actor, place, planned_start: datetime.date, reason: str = "", version=None
) -> Referral:
    """The intake team chooses the place and the planned start after granting rett.

    A place that is neither the wished one nor among the earliest fitting ones, or a planned
    start after the frist, needs a reason: it is recorded and shown to the referrer. The place's
    unit joins the care team (the referral is the basis), unless the patient has withdrawn
    consent for it."""
    current = _lock(referral, version=version)
    _refuse_state(current, (State.GRANTED,))
    _require(perms.can_place(actor, current))
    reason = (reason or "").strip()
    if planned_start is None:
        raise ValidationError({"planned_start": _("Enter the planned start.")})
    if planned_start < timezone.localdate():
        raise ValidationError({"planned_start": _("The planned start cannot be in the past.")})
    if place.health_trust_id != current.receiving_unit.organisation_id or not place.active:
        raise ValidationError({"place": _("Choose one of the places listed.")})
    if placement.needs_reason(place, current, placement.suggestions(current)):
        _reason_error(
            reason,
            _(
                "This place is neither the one wished for nor among the earliest that fit. "
                "Write why it is chosen; the referrer sees the reason."
            ),
        )
    if current.start_deadline and planned_start > current.start_deadline:
        _reason_error(
            reason,
            _("The planned start is after the frist (%(frist)s). Write why.")
            % {"frist": current.start_deadline.strftime("%d.%m.%Y")},
        )
    if not CareTeamMember.objects.filter(
        patient=current.patient, unit=place.unit, ended_at__isnull=True
    ).exists() and consent_withdrawn_for(current.patient, place.unit):
        raise ValidationError(
            {"place": _("The patient has withdrawn consent for this unit. Choose another place.")}
        )
    current.place = place
    current.planned_start = planned_start
    current.placement_reason = reason
    current.placed_at = timezone.now()
    current.placed_by = actor.user
    _save(current, ["place", "planned_start", "placement_reason", "placed_at", "placed_by"])
    text = _("%(place)s, planned start %(date)s") % {
        "place": place.name,
        "date": planned_start.strftime("%d.%m.%Y"),
    }
    if reason:
        text = f"{text}. {reason}"
    _event(current, Kind.PLACED, actor=actor, text=text)
    _audit(current, actor=actor, detail=_("Treatment place chosen"))
    care_team_add(
        patient=current.patient,
        unit=place.unit,
        role=CareTeamMember.Role.TREATING,
        basis=CareTeamMember.Basis.REFERRAL,
        actor=actor,
    )
    _notify_unit(
        current.referring_unit,
        current,
        title=_("Treatment place chosen for %(name)s: %(place)s")
        % {"name": current.patient.full_name, "place": place.name},
    )
    return current


@transaction.atomic
def referral_change_planned_start(
    *, referral, actor, planned_start: datetime.date, reason: str, version=None
) -> Referral:
    """A planned start that slips (or comes earlier) is a change with a reason, which the
    kommune sees on the referral's timeline and in a notification."""
    current = _lock(referral, version=version)
    _refuse_state(current, (State.GRANTED,))
    _require(perms.can_place(actor, current) and current.place_id is not None)
    reason = (reason or "").strip()
    if planned_start is None:
        raise ValidationError({"planned_start": _("Enter the planned start.")})
    if planned_start < timezone.localdate():
        raise ValidationError({"planned_start": _("The planned start cannot be in the past.")})
    if planned_start == current.planned_start:
        raise ValidationError({"planned_start": _("This is the planned start already.")})
    _reason_error(reason, _("Write why the planned start changes; the referrer sees it."))
    before = current.planned_start
    current.planned_start = planned_start
    _save(current, ["planned_start"])
    text = _("From %(before)s to %(after)s. %(reason)s") % {
        "before": before.strftime("%d.%m.%Y") if before else "–",
        "after": planned_start.strftime("%d.%m.%Y"),
        "reason": reason,
    }
    _event(current, Kind.PLANNED_START_CHANGED, actor=actor, text=text)
    _audit(current, actor=actor, detail=_("Planned start changed"))
    _notify_unit(
        current.referring_unit,
        current,
        title=_("The planned start for %(name)s is changed to %(date)s")
        % {"name": current.patient.full_name, "date": planned_start.strftime("%d.%m.%Y")},
    )
    return current


# --- the pathway's episodes tell the referral (registered in ReferralsConfig.ready) ---


def linkable_referrals(episode):
    """The patient's open referrals to the episode's organisation that no episode carries yet
    (for linking an emergency admission to the referral afterwards)."""
    return (
        Referral.objects.filter(
            Q(receiving_unit__organisation_id=episode.unit.organisation_id)
            # A private institution the intake team placed the patient at starts the stay.
            | Q(place__unit_id=episode.unit_id),
            patient_id=episode.patient_id,
            state__in=(*Referral.AWAITING_ASSESSMENT, State.GRANTED, State.TREATMENT_STARTED),
            treatment_episode__isnull=True,
        )
        .select_related("referring_unit", "receiving_unit")
        .order_by("start_deadline", "pk")
    )


def on_episode_started(episode, actor, source) -> bool:
    """An episode started: the granted referral to the same unit (else to the same
    organisation) that led to it leaves the waiting list, unless the episode started from a
    referral (``source``) or is a transfer (``source`` the episode before it, whose referral
    moves along). Any other granted referral the patient has at that very unit (a kommune
    and a GP may both have referred), or at the unit that received the chosen one, is answered
    by the same stay and closed."""
    on = timezone.localdate(episode.started_at)
    # Only a referral received by the day of the start can have led to it.
    candidates = linkable_referrals(episode).filter(state=State.GRANTED, received_on__lte=on)
    carried = None
    if isinstance(source, Referral):
        carried = source
    elif isinstance(source, TreatmentEpisode):
        carried = Referral.objects.filter(treatment_episode=episode).first()
    chosen = carried
    if chosen is None:
        chosen = (
            candidates.filter(place__unit=episode.unit).first()
            or candidates.filter(receiving_unit=episode.unit).first()
            or candidates.first()
        )
        if chosen is not None:
            _mark_started(_lock(chosen), actor=actor, on=on, episode=episode)
    here = Q(receiving_unit=episode.unit) | Q(place__unit=episode.unit)
    if chosen is not None:
        # The intake team that granted the chosen one received the others too.
        here |= Q(receiving_unit_id=chosen.receiving_unit_id)
    others = candidates.filter(here)
    if chosen is not None:
        others = others.exclude(pk=chosen.pk)
    for other in others:
        _answered_by_stay(_lock(other), actor=actor, episode=episode, by=chosen)
    return chosen is not None and not isinstance(source, TreatmentEpisode)


def _answered_by_stay(current: Referral, *, actor, episode, by: Referral | None) -> None:
    """A second granted referral for a stay that another referral (or none) led to: it leaves
    the waiting list closed, with the reason on its timeline; its referrer is told."""
    if by is not None:
        reason = _("Treatment started at %(unit)s on the referral from %(referrer)s.") % {
            "unit": episode.unit.name,
            "referrer": by.referring_unit.name,
        }
    else:
        reason = _("Treatment started at %(unit)s.") % {"unit": episode.unit.name}
    current.state = State.CLOSED
    current.closed_reason = reason[:300]
    current.treatment_started_on = timezone.localdate(episode.started_at)
    current.ended_at = timezone.now()
    _save(current, ["state", "closed_reason", "treatment_started_on", "ended_at"])
    _event(current, Kind.CLOSED, actor=actor, text=reason)
    _audit(current, actor=actor, detail=_("Referral closed"))
    _notify_unit(
        current.referring_unit,
        current,
        title=_("Treatment started for %(name)s at %(unit)s")
        % {"name": current.patient.full_name, "unit": episode.unit.name},
        body=reason,
    )


def on_episode_ended(episode, actor) -> None:
    """Discharge completes the referral; a transfer carries it to the new episode."""
    referral = Referral.objects.filter(treatment_episode=episode).first()
    if referral is None:
        return
    current = _lock(referral)
    if episode.transferred_to_id:
        current.treatment_episode_id = episode.transferred_to_id
        _save(current, ["treatment_episode"])
        _event(
            current,
            Kind.EPISODE_LINKED,
            actor=actor,
            text=_("Transferred to %(unit)s") % {"unit": episode.transferred_to.unit.name},
        )
        return
    if current.state != State.TREATMENT_STARTED:
        return
    current.state = State.COMPLETED
    current.ended_at = episode.ended_at
    _save(current, ["state", "ended_at"])
    _event(current, Kind.COMPLETED, actor=actor, text=episode.get_end_kind_display())
    _audit(current, actor=actor, detail=_("Treatment completed"))


@transaction.atomic
def referral_link_episode(*, referral, episode, actor) -> Referral:
    """Link an episode started without a referral (an emergency admission) to the referral
    that belongs to it: the referral leaves the waiting list (and the assessment queue)."""
    current = _lock(referral)
    _require(perms.can_link_episode(actor, current, episode))
    if current.pk not in set(linkable_referrals(episode).values_list("pk", flat=True)):
        raise ReferralConflict(_("This referral cannot be linked to the treatment."), current)
    if Referral.objects.filter(treatment_episode=episode).exists():
        raise ValidationError(_("The treatment is already linked to a referral."))
    on = current.treatment_started_on or timezone.localdate(episode.started_at)
    if current.received_on and on < current.received_on:
        # A stay that began before the referral arrived: the referral waited no day, and its
        # treatment start is never before its receipt (no negative waiting times).
        on = current.received_on
    if current.state == State.TREATMENT_STARTED:
        current.treatment_episode = episode
        _save(current, ["treatment_episode"])
        _event(current, Kind.EPISODE_LINKED, actor=actor, text=str(episode))
        _audit(current, actor=actor, detail=_("Linked to a treatment episode"))
    else:
        _mark_started(current, actor=actor, on=on, episode=episode)
    if episode.ended_at is not None:
        on_episode_ended(episode, actor)
    return current


EPISODE_END = {
    "end_planned": TreatmentEpisode.EndKind.PLANNED,
    "end_unplanned": TreatmentEpisode.EndKind.UNPLANNED,
}
EPISODE_KEEP = "keep"


@transaction.atomic
def referral_close(*, referral, actor, reason: str, episode_action: str = "") -> Referral:
    """Close the referral. When its treatment episode is still open, ``episode_action`` says
    what happens to it: ended now (``end_planned`` / ``end_unplanned``, by the treating unit,
    under the discharge rules) or kept open (``keep``, the reason says why; the treating unit
    is told). An open episode is never left behind silently."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for closing.")})
    current = _lock(referral)
    _refuse_state(current, (State.GRANTED, State.TREATMENT_STARTED))
    _require(perms.can_close(actor, current))
    episode = current.treatment_episode
    if episode is not None and episode.ended_at is None:
        if episode_action in EPISODE_END:
            if episode.unit_id != actor.unit_id:
                raise ValidationError(
                    {
                        "episode_action": _(
                            "Only %(unit)s, where the treatment takes place, can discharge. "
                            "Keep it open and say why; %(unit)s is told."
                        )
                        % {"unit": episode.unit.name}
                    }
                )
            episode_end(
                episode=episode, actor=actor, end_kind=EPISODE_END[episode_action], note=reason
            )
            # The discharge completed the referral; the reason is kept with it.
            current = _lock(current)
        elif episode_action == EPISODE_KEEP:
            _notify_unit(
                episode.unit,
                current,
                title=_("Referral for %(name)s closed; the treatment stays open")
                % {"name": current.patient.full_name},
                body=reason,
            )
        else:
            raise ValidationError({"episode_action": _("Say what happens to the open treatment.")})
    if current.state != State.COMPLETED:
        current.state = State.CLOSED
    current.closed_reason = reason[:300]
    current.ended_at = current.ended_at or timezone.now()
    _save(current, ["state", "closed_reason", "ended_at"])
    text = reason
    if episode_action == EPISODE_KEEP:
        text = _("%(reason)s (the treatment stays open)") % {"reason": reason}
    _event(current, Kind.CLOSED, actor=actor, text=text)
    _audit(current, actor=actor, detail=_("Referral closed"))
    _notify_unit(
        current.referring_unit,
        current,
        title=_("Referral for %(name)s closed") % {"name": current.patient.full_name},
        body=reason,
    )
    return current


@transaction.atomic
def referral_mark_frist_at_risk(*, referral, actor, note: str = "") -> Referral:
    current = _lock(referral)
    _refuse_state(current, (State.GRANTED,))
    _require(perms.can_mark_frist_at_risk(actor, current))
    current.frist_at_risk_at = timezone.now()
    current.frist_at_risk_by = actor.user
    _save(current, ["frist_at_risk_at", "frist_at_risk_by"])
    _event(current, Kind.FRIST_AT_RISK, actor=actor, text=note.strip())
    _audit(current, actor=actor, detail=_("Frist likely to be missed"))
    _notify_unit(
        current.receiving_unit,
        current,
        roles={Role.LEADER},
        urgent=True,
        title=_("Fristbrudd likely for %(name)s: notify Helfo")
        % {"name": current.patient.full_name},
    )
    _notify_unit(
        current.referring_unit,
        current,
        title=_("%(unit)s expects to miss the frist for %(name)s")
        % {"unit": current.receiving_unit.name, "name": current.patient.full_name},
    )
    return current


@transaction.atomic
def referral_record_helfo_notified(*, referral, actor, on: datetime.date) -> Referral:
    if on is None:
        raise ValidationError({"on": _("Enter the date Helfo was notified.")})
    _not_future(on, "on")
    current = _lock(referral)
    if current.helfo_notified_on is not None:
        raise ReferralConflict(_("Helfo has already been recorded as notified."), current)
    _require(perms.can_record_helfo(actor, current))
    DateRules().not_before(
        "on",
        on,
        current.received_on,
        _("Helfo cannot have been notified before the referral was received (%(date)s)."),
    ).check()
    current.helfo_notified_on = on
    current.helfo_notified_by = actor.user
    _save(current, ["helfo_notified_on", "helfo_notified_by"])
    _event(current, Kind.HELFO_NOTIFIED, actor=actor, text=on.strftime("%d.%m.%Y"))
    _audit(current, actor=actor, detail=_("Helfo notified"))
    return current


# --- attachments ---


@transaction.atomic
def attachment_add(*, referral, actor, upload, description: str = "") -> Attachment:
    """Store a PDF or image (the checks of ``pathways.uploads``: size, type from the content)."""
    filename, content_type = uploads.checked_upload(upload)
    current = _lock(referral)
    _require(perms.can_attach(actor, current))
    attachment = Attachment(
        referral=current,
        filename=filename,
        content_type=content_type,
        size=upload.size,
        description=(description or "").strip()[:200],
        uploaded_by=actor.user,
        uploaded_by_unit=actor.unit,
    )
    attachment.file.save(filename, upload, save=False)
    attachment.save()
    _save(current, [])
    _event(current, Kind.ATTACHMENT, actor=actor, text=filename)
    _audit(
        current,
        actor=actor,
        obj=attachment,
        action=audit.Action.CREATE,
        detail=_("Attachment added"),
    )
    return attachment


# --- the sweep: access after rejection ---


def referral_end_access_due(now=None) -> int:
    """End the receiving unit's care-team access once the grace period after a rejection
    without forwarding (or a withdrawal) has run out. Safe to run concurrently."""
    today = timezone.localdate(now)
    due = Referral.objects.filter(
        access_ended_at__isnull=True, access_ends_on__isnull=False, access_ends_on__lte=today
    ).values_list("pk", flat=True)
    ended = 0
    for pk in list(due):
        with transaction.atomic():
            claimed = Referral.objects.filter(pk=pk, access_ended_at__isnull=True).update(
                access_ended_at=timezone.now()
            )
            if not claimed:
                continue
            referral = Referral.objects.select_related("patient", "receiving_unit").get(pk=pk)
            # Another open referral, or a stay at the unit, still needs the unit on the team.
            still_needed = (
                Referral.objects.filter(
                    patient=referral.patient_id,
                    receiving_unit=referral.receiving_unit_id,
                    state__in=Referral.ACTIVE,
                )
                .exclude(pk=pk)
                .exists()
            ) or open_stay_at_receiver(referral, unit_only=True) is not None
            member = (
                CareTeamMember.objects.active()
                .filter(
                    patient=referral.patient_id,
                    unit=referral.receiving_unit_id,
                    basis=CareTeamMember.Basis.REFERRAL,
                )
                .select_related("patient", "unit")
                .first()
            )
            if member is None or still_needed:
                continue
            care_team_end(
                member=member,
                actor=SYSTEM,
                reason=_("Referral rejected or withdrawn; access period ended"),
            )
            _event(referral, Kind.ACCESS_ENDED, actor=Actor(None, referral.receiving_unit))
            ended += 1
    return ended
