"""Registering patients and changing their details."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from pathways.models import CareTeamMember, NextOfKin, Patient
from pathways.patients.services.careteam import care_team_add


class StaleVersion(Exception):
    """Someone saved the record after this form was opened."""

    def __init__(self, current):
        super().__init__("stale version")
        self.current = current


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
    patient = Patient(**data, registered_by_unit=actor.unit, created_by=actor.user)
    patient.full_clean()
    patient.save()
    audit.record(
        user=actor.user, unit=actor.unit, action=audit.Action.CREATE, patient=patient, obj=patient
    )
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
    """Change details; refuses when another save happened since ``version`` was read."""
    fields = list(data)
    changed = Patient.objects.filter(pk=patient.pk, version=version).update(
        version=version + 1, **data
    )
    if not changed:
        raise StaleVersion(Patient.objects.get(pk=patient.pk))
    patient.refresh_from_db()
    audit.record(
        user=actor.user,
        unit=actor.unit,
        action=audit.Action.UPDATE,
        patient=patient,
        obj=patient,
        detail=_("Changed: %(fields)s") % {"fields": ", ".join(fields)},
    )
    return patient


@transaction.atomic
def next_of_kin_save(*, patient, actor, instance: NextOfKin) -> NextOfKin:
    creating = instance.pk is None
    instance.patient = patient
    instance.full_clean()
    instance.save()
    audit.record(
        user=actor.user,
        unit=actor.unit,
        action=audit.Action.CREATE if creating else audit.Action.UPDATE,
        patient=patient,
        obj=instance,
    )
    return instance


@transaction.atomic
def next_of_kin_delete(*, patient, actor, instance: NextOfKin) -> None:
    audit.record(
        user=actor.user, unit=actor.unit, action=audit.Action.DELETE, patient=patient, obj=instance
    )
    instance.delete()


@transaction.atomic
def national_id_reveal(*, patient, actor, basis) -> str:
    audit.record(
        user=actor.user,
        unit=actor.unit,
        action=audit.Action.REVEAL_ID,
        patient=patient,
        obj=patient,
        basis=basis,
        detail=timezone.now().isoformat(),
    )
    return patient.national_id or ""
