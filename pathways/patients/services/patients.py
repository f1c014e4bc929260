"""Registering patients and changing their details."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from accounts import audit
from pathways.dates import DateRules
from pathways.models import (
    CareTeamMember,
    CrisisContact,
    GroupMember,
    IndividualPlan,
    NextOfKin,
    Participant,
    Patient,
)
from pathways.patients.permissions import can_edit_patient
from pathways.patients.services.careteam import care_team_add
from pathways.portal import closing as portal_closing
from pathways.stale import StaleWrite, check_version, display, save_new_version

# What a person reads about a next of kin (the removal's conflict screen lists these).
NEXT_OF_KIN_FIELDS = (
    "name",
    "relation",
    "phone",
    "email",
    "address",
    "may_receive_information",
    "note",
)


def _require_edit(actor, patient) -> None:
    if not can_edit_patient(actor, patient):
        raise PermissionDenied


class DuplicatePatient(Exception):
    """A patient with this national id already exists."""

    def __init__(self, existing):
        super().__init__("duplicate")
        self.existing = existing


@transaction.atomic
def patient_register(*, actor, data: dict) -> Patient:
    """Register a patient; the registering unit joins the care team."""
    national_id = data.get("national_id") or None
    if national_id:
        existing = Patient.objects.filter(national_id=national_id).first()
        if existing is not None:
            raise DuplicatePatient(existing)
    DateRules().birth_date("birth_date", data.get("birth_date")).check()
    patient = Patient(**data, registered_by_unit=actor.unit, created_by=actor.user)
    patient.full_clean()
    patient.save()
    audit.record_by(actor, audit.Action.CREATE, patient=patient, obj=patient)
    care_team_add(
        patient=patient,
        unit=actor.unit,
        role=CareTeamMember.Role.REGISTERING,
        basis=CareTeamMember.Basis.REGISTERED,
        actor=actor,
    )
    return patient


@transaction.atomic
def patient_update(*, patient, actor, data: dict, version: int) -> Patient:
    """Change details; raises ``StaleWrite`` when another save happened since ``version``."""
    _require_edit(actor, patient)
    fields = list(data)
    DateRules().birth_date("birth_date", data.get("birth_date")).check()
    stored = Patient.objects.select_for_update().get(pk=patient.pk)
    check_version(stored, version)
    for name, value in data.items():
        setattr(stored, name, value)
    save_new_version(stored, fields)
    for name in (*fields, "version"):
        setattr(patient, name, getattr(stored, name))
    audit.record_by(
        actor,
        audit.Action.UPDATE,
        patient=patient,
        obj=patient,
        detail=_("Changed: %(fields)s") % {"fields": ", ".join(fields)},
    )
    if "birth_date" in fields:
        # Min plan is closed to patients under 16: a corrected birth date closes it at once.
        portal_closing.close_if_too_young(actor=actor, patient=stored)
    return patient


@transaction.atomic
def next_of_kin_save(*, patient, actor, instance: NextOfKin, version=None) -> NextOfKin:
    """Add a next of kin, or save changes to one; a change made from a form opened before
    another save (``version``) raises ``StaleWrite`` and writes nothing."""
    _require_edit(actor, patient)
    creating = instance.pk is None
    instance.patient = patient
    instance.full_clean()
    if creating:
        instance.version = 1
        instance.save()
    else:
        stored = NextOfKin.objects.select_for_update().get(pk=instance.pk, patient=patient)
        check_version(stored, version)
        instance.version = stored.version
        save_new_version(instance, list(NEXT_OF_KIN_FIELDS))
    audit.record_by(
        actor,
        audit.Action.CREATE if creating else audit.Action.UPDATE,
        patient=patient,
        obj=instance,
    )
    return instance


def _next_of_kin_changes(seen: dict, stored: NextOfKin) -> list[dict]:
    """What was saved since the removal page was opened, in the conflict screen's format."""
    labels = {name: NextOfKin._meta.get_field(name).verbose_name for name in NEXT_OF_KIN_FIELDS}
    fields = [
        (str(labels[name]).capitalize(), display(seen.get(name)), display(getattr(stored, name)))
        for name in NEXT_OF_KIN_FIELDS
        if name in seen and display(seen.get(name)) != display(getattr(stored, name))
    ]
    return [
        {
            "kind": "changed",
            "kind_label": _("Changed"),
            "section": _("Next of kin"),
            "label": str(stored),
            "fields": fields,
        }
    ]


def current_roles(person: NextOfKin) -> list[str]:
    """Where the person takes part now: the open plan, the ansvarsgruppe, the crisis plan."""
    roles = []
    if (
        Participant.objects.filter(next_of_kin=person)
        .exclude(plan__status=IndividualPlan.Status.CLOSED)
        .exists()
    ):
        roles.append(_("participant in the individual plan"))
    if GroupMember.objects.active().filter(next_of_kin=person).exists():
        roles.append(_("member of the responsibility group"))
    if CrisisContact.objects.filter(next_of_kin=person).exists():
        roles.append(_("contact in the crisis plan"))
    return roles


def _freeze_history(person: NextOfKin) -> None:
    """Earlier plans and former group members keep the person's details as they are now,
    typed on the row, so history stays readable after the register entry is gone."""
    Participant.objects.filter(next_of_kin=person).update(
        next_of_kin=None,
        kind=Participant.Kind.PERSON,
        name=person.name,
        role=person.relation,
        phone=person.phone,
    )
    GroupMember.objects.filter(next_of_kin=person, removed_at__isnull=False).update(
        next_of_kin=None,
        role=GroupMember.Role.OTHER,
        name=person.name,
        role_note=person.relation,
        phone=person.phone,
        email=person.email,
    )


@transaction.atomic
def next_of_kin_delete(*, patient, actor, instance: NextOfKin, version=None, seen=None) -> None:
    """Remove a person from the register; refused with ``StaleWrite`` when it was changed after
    the removal page was opened (``version``; ``seen`` is what that page showed), and refused
    with a message while the person still has a role in the plan, the group or the crisis plan:
    ending a role is a decision made where the role is, not a side effect of a removal here."""
    _require_edit(actor, patient)
    stored = NextOfKin.objects.select_for_update().filter(pk=instance.pk, patient=patient).first()
    if stored is None:
        return  # removed meanwhile: nothing left to do
    if version is None or int(version) != stored.version:
        raise StaleWrite(stored, changes=_next_of_kin_changes(seen or {}, stored))
    roles = current_roles(stored)
    if roles:
        raise ValidationError(
            _("%(name)s cannot be removed while they are %(roles)s. End those roles first.")
            % {"name": stored.name, "roles": get_text_list(roles, _("and"))}
        )
    _freeze_history(stored)
    audit.record_by(actor, audit.Action.DELETE, patient=patient, obj=instance)
    stored.delete()


def person_named(*, patient, actor, name: str, relation: str = "", phone: str = "", email=""):
    """The register entry with this name (ignoring case), or a new one: the same rule as the
    data migration, for callers that still pass a pårørende by name."""
    person = NextOfKin.objects.filter(patient=patient, name__iexact=name.strip()).first()
    if person is not None:
        return person
    return person_for_role(
        patient=patient,
        actor=actor,
        person=None,
        new={
            "name": name.strip(),
            "relation": relation.strip() or _("Next of kin"),
            "phone": phone.strip(),
            "email": (email or "").strip(),
        },
    )


def person_for_role(*, patient, actor, person: NextOfKin | None, new: dict | None):
    """The register entry a role points to: the chosen one, or a new one added in the same
    step (the caller's transaction rolls it back when the role itself is refused)."""
    if new is None:
        if person is not None and person.patient_id != patient.pk:
            raise ValidationError({"person": _("Choose one of the patient's people.")})
        return person
    try:
        return next_of_kin_save(patient=patient, actor=actor, instance=NextOfKin(**new))
    except ValidationError as error:
        # The role's form names the new person's fields person_<name>.
        raise ValidationError(
            {f"person_{name}": messages for name, messages in error.message_dict.items()}
        ) from None


@transaction.atomic
def national_id_reveal(*, patient, actor, basis) -> str:
    audit.record_by(
        actor,
        audit.Action.REVEAL_ID,
        patient=patient,
        obj=patient,
        basis=basis,
        detail=timezone.now().isoformat(),
    )
    return patient.national_id or ""
