"""One crisis plan per patient.

The crisis plan moves from the individuell plan to the patient, and the ettervern plan's own
crisis fields go. Nothing a clinician wrote is lost:

- The individuell plan's crisis plan becomes the patient's. When a patient has had several
  plans, the open plan's is kept (else the newest plan's); a closed plan's crisis plan stays
  in that plan's revision snapshots, which its page and PDFs show.
- An ettervern plan's crisis texts are appended to the matching fields of the patient's crisis
  plan under the line "Fra ettervernplanen (dd.mm.åååå):" ("who to call" goes to the emergency
  contacts as text: it is free text, not name and phone). Where the patient has no crisis plan,
  the newest ettervern plan's texts become it as they are.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.utils import timezone

HEADER = "Fra ettervernplanen ({date}):"
DEFAULT_EMERGENCY = "Legevakt: 116 117\nAMK (akutt medisinsk nødhjelp): 113"
# ettervern field -> crisis plan field
FIELDS = {
    "crisis_warning_signs": "warning_signs",
    "crisis_what_helps": "what_helps",
    "crisis_contacts": "emergency",
}


def _immediate(schema_editor) -> None:
    # The rows changed above must be checked now: PostgreSQL refuses to alter a table with
    # deferred constraint checks still pending in the same transaction.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _append(existing: str, text: str, header: str) -> str:
    text = text.strip()
    if not text or text in existing:
        return existing
    block = f"{header}\n{text}"
    return f"{existing.rstrip()}\n\n{block}" if existing.strip() else block


def _contact_line(contact) -> str:
    # A pårørende's name, relation and phone live in the register (0013), not on the row.
    person = contact.next_of_kin
    name, role, phone = (
        (person.name, person.relation, person.phone)
        if person is not None
        else (contact.name, contact.role, contact.phone)
    )
    return f"{name}{f' ({role})' if role else ''}: {phone}"


def forward(apps, schema_editor):
    CrisisPlan = apps.get_model("pathways", "CrisisPlan")
    EttervernPlan = apps.get_model("pathways", "EttervernPlan")

    # 1. The individuell plans' crisis plans belong to their patients, one each.
    kept: dict[int, tuple[int, bool]] = {}  # patient -> (crisis plan, of an open plan)
    for crisis in CrisisPlan.objects.select_related("plan").order_by(
        "plan__patient_id", "-plan__created_at", "-plan__id"
    ):
        patient_id = crisis.plan.patient_id
        is_open = crisis.plan.status != "closed"
        if patient_id not in kept or (is_open and not kept[patient_id][1]):
            if patient_id in kept:
                CrisisPlan.objects.filter(pk=kept[patient_id][0]).update(patient=None)
            kept[patient_id] = (crisis.pk, is_open)
            CrisisPlan.objects.filter(pk=crisis.pk).update(patient_id=patient_id)
    # The others were closed plans' (kept in those plans' revision snapshots).
    CrisisPlan.objects.filter(patient__isnull=True).delete()

    # 2. The ettervern plans' crisis texts, newest first.
    plans = EttervernPlan.objects.exclude(
        crisis_warning_signs="", crisis_what_helps="", crisis_contacts=""
    ).order_by("patient_id", "-updated_at", "-id")
    for ettervern in plans:
        texts = {target: getattr(ettervern, source) for source, target in FIELDS.items()}
        if not any(t.strip() for t in texts.values()):
            continue
        crisis = CrisisPlan.objects.filter(patient_id=ettervern.patient_id).first()
        if crisis is None:
            CrisisPlan.objects.create(
                patient_id=ettervern.patient_id,
                warning_signs=texts["warning_signs"].strip(),
                what_helps=texts["what_helps"].strip(),
                emergency=texts["emergency"].strip() or DEFAULT_EMERGENCY,
                version=1,
                updated_at=ettervern.updated_at,
            )
            continue
        header = HEADER.format(date=timezone.localtime(ettervern.updated_at).strftime("%d.%m.%Y"))
        for field, text in texts.items():
            setattr(crisis, field, _append(getattr(crisis, field), text, header))
        crisis.version += 1
        crisis.save()
    _immediate(schema_editor)


def backward(apps, schema_editor):
    """Back to a crisis plan per individuell plan (the open one, else the newest), else to the
    newest ettervern plan's own fields."""
    CrisisPlan = apps.get_model("pathways", "CrisisPlan")
    CrisisContact = apps.get_model("pathways", "CrisisContact")
    IndividualPlan = apps.get_model("pathways", "IndividualPlan")
    EttervernPlan = apps.get_model("pathways", "EttervernPlan")
    for crisis in CrisisPlan.objects.all():
        plans = IndividualPlan.objects.filter(patient_id=crisis.patient_id)
        plan = (
            plans.exclude(status="closed").order_by("-created_at", "-id").first()
            or plans.order_by("-created_at", "-id").first()
        )
        if plan is not None:
            CrisisPlan.objects.filter(pk=crisis.pk).update(plan=plan)
            continue
        ettervern = (
            EttervernPlan.objects.filter(patient_id=crisis.patient_id)
            .order_by("-updated_at", "-id")
            .first()
        )
        if ettervern is not None:
            contacts = CrisisContact.objects.filter(crisis=crisis).select_related("next_of_kin")
            lines = [_contact_line(c) for c in contacts.order_by("id")]
            ettervern.crisis_warning_signs = crisis.warning_signs
            ettervern.crisis_what_helps = "\n\n".join(
                t for t in (crisis.what_helps, crisis.wishes) if t.strip()
            )
            ettervern.crisis_contacts = "\n".join([*lines, crisis.emergency]).strip()
            ettervern.save()
        crisis.delete()
    for plan in IndividualPlan.objects.filter(crisis__isnull=True):
        CrisisPlan.objects.create(plan=plan, patient_id=plan.patient_id)
    _immediate(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("pathways", "0013_people_register"),
    ]

    operations = [
        migrations.AddField(
            model_name="crisisplan",
            name="patient",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="crisis_plan",
                to="pathways.patient",
            ),
        ),
        migrations.AddField(
            model_name="crisisplan",
            name="version",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="crisisplan",
            name="updated_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name="crisisplan",
            name="plan",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="crisis",
                to="pathways.individualplan",
            ),
        ),
        migrations.RunPython(forward, backward),
        migrations.RemoveField(model_name="crisisplan", name="plan"),
        migrations.AlterField(
            model_name="crisisplan",
            name="patient",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="crisis_plan",
                to="pathways.patient",
            ),
        ),
        migrations.RemoveField(model_name="ettervernplan", name="crisis_warning_signs"),
        migrations.RemoveField(model_name="ettervernplan", name="crisis_what_helps"),
        migrations.RemoveField(model_name="ettervernplan", name="crisis_contacts"),
        migrations.RemoveField(model_name="ettervernplan", name="crisis_version"),
    ]
