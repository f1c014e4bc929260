"""Registering patients and changing their details."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from pathways.dates import DateRules
from pathways.models import CareTeamMember, NextOfKin, Patient
from pathways.patients.permissions import can_edit_patient
from pathways.patients.services.careteam import care_team_add
from pathways.stale import StaleWrite, check_version, display, save_new_version

# What a person reads about a next of kin (the removal's conflict screen lists these).
NEXT_OF_KIN_FIELDS = ("name", "relation", "phone", "may_receive_information")


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


@transaction.atomic
def next_of_kin_delete(*, patient, actor, instance: NextOfKin, version=None, seen=None) -> None:
    """Remove a next of kin; refused with ``StaleWrite`` when it was changed after the removal
    page was opened (``version``; ``seen`` is what that page showed)."""
    _require_edit(actor, patient)
    stored = NextOfKin.objects.select_for_update().filter(pk=instance.pk, patient=patient).first()
    if stored is None:
        return  # removed meanwhile: nothing left to do
    if version is None or int(version) != stored.version:
        raise StaleWrite(stored, changes=_next_of_kin_changes(seen or {}, stored))
    audit.record_by(actor, audit.Action.DELETE, patient=patient, obj=instance)
    instance.delete()


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
