"""Changes to the patient's crisis plan: each one locks the row, is audited and tells the
features that show the plan (``CRISIS_CHANGED``)."""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from pathways.crisis import permissions as perms
from pathways.models import CrisisContact, CrisisPlan
from pathways.patients.services.patients import person_for_role
from pathways.stale import check_version

# ``func(*, patient, actor, keys, summary)`` run inside the writing transaction after each
# change (``keys`` as in the individuell plan's revisions: "crisis", "contact:<id>").
CRISIS_CHANGED: list[Callable] = []


def _require(actor, patient) -> None:
    if not perms.can_edit(actor, patient):
        raise PermissionDenied(_("You may not change the crisis plan."))


def _locked(patient) -> CrisisPlan:
    """The patient's crisis plan, locked; made on first use."""
    crisis, _created = CrisisPlan.objects.get_or_create(patient_id=patient.pk)
    return CrisisPlan.objects.select_for_update().get(pk=crisis.pk)


def _changed(crisis, *, patient, actor, keys, summary, action, obj) -> None:
    CrisisPlan.objects.filter(pk=crisis.pk).update(updated_at=timezone.now())
    audit.record_by(actor, action, patient=patient.pk, obj=obj, detail=summary)
    for func in CRISIS_CHANGED:
        func(patient=patient, actor=actor, keys=keys, summary=summary)


@transaction.atomic
def crisis_plan_save(*, patient, actor, data: dict, version) -> CrisisPlan:
    """Save the texts; refused (``StaleWrite``) when saved by someone else since ``version``."""
    _require(actor, patient)
    crisis = _locked(patient)
    check_version(crisis, version, message=_("Saved by someone else meanwhile"))
    for name in CrisisPlan.TEXT_FIELDS:
        if name in data:
            setattr(crisis, name, data[name])
    crisis.full_clean(exclude=["patient"])
    crisis.version += 1
    crisis.save(update_fields=[*CrisisPlan.TEXT_FIELDS, "version"])
    _changed(
        crisis,
        patient=patient,
        actor=actor,
        keys=["crisis"],
        summary=_("Crisis plan changed"),
        action=audit.Action.UPDATE,
        obj=crisis,
    )
    return crisis


@transaction.atomic
def crisis_contact_add(
    *, patient, actor, data: dict, new_person: dict | None = None
) -> CrisisContact:
    """Add someone to call: a person from the register (``data["next_of_kin"]``, or
    ``new_person`` added to the register in the same step) or a professional typed by hand.
    A new row conflicts with nobody, so it needs no version."""
    _require(actor, patient)
    crisis = _locked(patient)
    person = person_for_role(
        patient=patient, actor=actor, person=data.get("next_of_kin"), new=new_person
    )
    contact = CrisisContact(crisis=crisis, **{**data, "next_of_kin": person})
    contact.full_clean()
    contact.save()
    _changed(
        crisis,
        patient=patient,
        actor=actor,
        keys=[f"contact:{contact.pk}"],
        summary=_("Crisis contact added: %(name)s") % {"name": contact.display_name},
        action=audit.Action.CREATE,
        obj=contact,
    )
    return contact


@transaction.atomic
def crisis_contact_remove(*, patient, actor, contact) -> None:
    _require(actor, patient)
    crisis = _locked(patient)
    contact = CrisisContact.objects.select_related("next_of_kin").get(pk=contact.pk, crisis=crisis)
    key, name = f"contact:{contact.pk}", contact.display_name
    contact.delete()
    _changed(
        crisis,
        patient=patient,
        actor=actor,
        keys=[key],
        summary=_("Crisis contact removed: %(name)s") % {"name": name},
        action=audit.Action.DELETE,
        obj=crisis,
    )
