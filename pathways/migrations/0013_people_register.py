"""The people register: plan participants, ansvarsgruppe members and crisis contacts who are
pårørende or network point to the patient's register (``NextOfKin``) instead of holding their own
copy of the name and contact details.

Which rows are people around the patient: plan participants of kind next_of_kin and external
group members with role next_of_kin always; other typed people (a plan's "other person", a group
member with role "other", a crisis contact) when their name is already in the register or when
their role reads as a relation (søster, venn...). The rest are professionals (GP, koordinator,
legevakt) and stay typed. Same patient and same name (ignoring case) is the same person.
Nothing is lost: a phone, email or relation that differs from what the register holds is kept
in the register entry's note.
"""

import re

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Words that name a relation rather than a profession (Norwegian, as typed in the forms).
RELATION_WORDS = {
    "barn",
    "bestefar",
    "bestemor",
    "besteforelder",
    "bror",
    "datter",
    "ektefelle",
    "ektemann",
    "familie",
    "far",
    "fetter",
    "forelder",
    "foreldre",
    "halvbror",
    "halvsøster",
    "kamerat",
    "kjæreste",
    "kone",
    "kusine",
    "mamma",
    "mann",
    "mor",
    "nabo",
    "nettverk",
    "nevø",
    "niese",
    "onkel",
    "pappa",
    "partner",
    "pårørende",
    "samboer",
    "stefar",
    "stemor",
    "sønn",
    "svigerfar",
    "svigerinne",
    "svigermor",
    "svoger",
    "søster",
    "tante",
    "venn",
    "venninne",
    "verge",
}
FALLBACK_RELATION = "Pårørende"


def reads_as_relation(text: str) -> bool:
    return bool(set(re.findall(r"[a-zæøå]+", (text or "").casefold())) & RELATION_WORDS)


def _same(a: str, b: str) -> bool:
    return (a or "").strip().casefold() == (b or "").strip().casefold()


class _Register:
    """The register entries of each patient by name, created on demand."""

    def __init__(self, NextOfKin):
        self.NextOfKin = NextOfKin
        self.by_patient = {}

    def people(self, patient_id):
        if patient_id not in self.by_patient:
            self.by_patient[patient_id] = {
                nok.name.strip().casefold(): nok
                for nok in self.NextOfKin.objects.filter(patient_id=patient_id).order_by("id")
            }
        return self.by_patient[patient_id]

    def find(self, patient_id, name):
        return self.people(patient_id).get((name or "").strip().casefold())

    def create(self, patient_id, name, relation):
        nok = self.NextOfKin.objects.create(
            patient_id=patient_id,
            name=name.strip()[:150],
            relation=(relation or FALLBACK_RELATION).strip()[:60] or FALLBACK_RELATION,
        )
        self.people(patient_id)[nok.name.casefold()] = nok
        return nok


def _merge(nok, source: str, *, name="", relation="", phone="", email=""):
    """Fill what the register lacks; keep what differs in the note, never drop it."""
    kept = []
    if name and not _same(name, nok.name):
        kept.append(f"navn {name.strip()}")
    if relation and not _same(relation, nok.relation):
        kept.append(f"rolle/relasjon {relation.strip()}")
    if phone:
        if not nok.phone:
            nok.phone = phone.strip()[:30]
        elif re.sub(r"\D", "", phone) != re.sub(r"\D", "", nok.phone):
            kept.append(f"telefon {phone.strip()}")
    if email:
        if not nok.email:
            nok.email = email.strip()
        elif not _same(email, nok.email):
            kept.append(f"e-post {email.strip()}")
    if kept:
        line = f"Fra {source}: " + ", ".join(kept)
        if line not in nok.note:
            nok.note = f"{nok.note}\n{line}".strip()
    nok.save()


def link_people(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Rows change below and constraints are added after: no deferred checks may be pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    NextOfKin = apps.get_model("pathways", "NextOfKin")
    Participant = apps.get_model("pathways", "Participant")
    GroupMember = apps.get_model("pathways", "GroupMember")
    CrisisContact = apps.get_model("pathways", "CrisisContact")
    register = _Register(NextOfKin)

    def person_for(patient_id, name, relation, *, always):
        nok = register.find(patient_id, name)
        if nok is None and name.strip() and (always or reads_as_relation(relation)):
            nok = register.create(patient_id, name, relation)
        return nok

    participants = (
        Participant.objects.filter(kind__in=["next_of_kin", "person"])
        .select_related("plan", "next_of_kin")
        .order_by("id")
    )
    for row in participants:
        patient_id = row.plan.patient_id
        nok = row.next_of_kin or person_for(
            patient_id, row.name, row.role, always=row.kind == "next_of_kin"
        )
        if nok is None and row.kind == "next_of_kin":
            # A pårørende without a name: the register needs one, the row said only its kind.
            nok = register.create(patient_id, row.role or FALLBACK_RELATION, row.role)
        if nok is None:
            continue
        _merge(nok, "individuell plan", name=row.name, relation=row.role, phone=row.phone)
        row.next_of_kin = nok
        row.kind = "next_of_kin"
        row.name = row.role = row.phone = ""
        row.save()

    members = (
        GroupMember.objects.filter(user__isnull=True, role__in=["next_of_kin", "other"])
        .select_related("group")
        .order_by("id")
    )
    for row in members:
        nok = person_for(
            row.group.patient_id, row.name, row.role_note, always=row.role == "next_of_kin"
        )
        if nok is None:
            continue
        _merge(nok, "ansvarsgruppen", relation=row.role_note, phone=row.phone, email=row.email)
        row.next_of_kin = nok
        row.role = "next_of_kin"
        row.name = row.role_note = row.phone = row.email = ""
        row.save()

    contacts = CrisisContact.objects.filter(next_of_kin__isnull=True).order_by("id")
    for row in contacts.select_related("crisis__plan"):
        nok = person_for(row.crisis.plan.patient_id, row.name, row.role, always=False)
        if nok is None:
            continue
        _merge(nok, "kriseplanen", relation=row.role, phone=row.phone)
        row.next_of_kin = nok
        row.name = row.role = row.phone = ""
        row.save()


def unlink_people(apps, schema_editor):
    """Back to copies: every linked row gets the register's details again."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    Participant = apps.get_model("pathways", "Participant")
    GroupMember = apps.get_model("pathways", "GroupMember")
    CrisisContact = apps.get_model("pathways", "CrisisContact")
    for row in Participant.objects.filter(next_of_kin__isnull=False).select_related("next_of_kin"):
        nok = row.next_of_kin
        row.name, row.role, row.phone = nok.name, row.role or nok.relation, nok.phone
        row.save()
    for row in GroupMember.objects.filter(next_of_kin__isnull=False).select_related("next_of_kin"):
        nok = row.next_of_kin
        row.name, row.role_note = nok.name, row.role_note or nok.relation
        row.phone, row.email = nok.phone, nok.email
        row.next_of_kin = None
        row.save()
    for row in CrisisContact.objects.filter(next_of_kin__isnull=False).select_related(
        "next_of_kin"
    ):
        nok = row.next_of_kin
        row.name, row.role, row.phone = nok.name, row.role or nok.relation, nok.phone or "–"
        row.next_of_kin = None
        row.save()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_audit_lookup"),
        ("pathways", "0012_kommune_message_moved_kind"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="nextofkin",
            options={
                "ordering": ["name", "id"],
                "verbose_name": "next of kin",
                "verbose_name_plural": "next of kin",
            },
        ),
        migrations.RemoveConstraint(
            model_name="groupmember",
            name="groupmember_internal_or_external",
        ),
        migrations.AddField(
            model_name="crisiscontact",
            name="next_of_kin",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="crisis_contacts",
                to="pathways.nextofkin",
                verbose_name="next of kin",
            ),
        ),
        migrations.AddField(
            model_name="groupmember",
            name="next_of_kin",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="group_memberships",
                to="pathways.nextofkin",
                verbose_name="next of kin",
            ),
        ),
        migrations.AddField(
            model_name="nextofkin",
            name="address",
            field=models.CharField(blank=True, max_length=200, verbose_name="postal address"),
        ),
        migrations.AddField(
            model_name="nextofkin",
            name="email",
            field=models.EmailField(blank=True, max_length=254, verbose_name="email"),
        ),
        migrations.AddField(
            model_name="nextofkin",
            name="note",
            field=models.TextField(blank=True, verbose_name="note"),
        ),
        migrations.AlterField(
            model_name="crisiscontact",
            name="name",
            field=models.CharField(blank=True, max_length=150, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="crisiscontact",
            name="phone",
            field=models.CharField(blank=True, max_length=30, verbose_name="phone"),
        ),
        migrations.AlterField(
            model_name="groupmember",
            name="role",
            field=models.CharField(
                choices=[
                    ("professional", "Professional"),
                    ("patient", "The patient"),
                    ("next_of_kin", "Next of kin or network"),
                    ("fastlege", "General practitioner"),
                    ("nav", "NAV contact"),
                    ("other", "Other"),
                ],
                max_length=20,
                verbose_name="role",
            ),
        ),
        migrations.AlterField(
            model_name="participant",
            name="kind",
            field=models.CharField(
                choices=[
                    ("patient", "The patient"),
                    ("next_of_kin", "Next of kin or network"),
                    ("unit", "Service"),
                    ("person", "Other person (for example the GP)"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="participant",
            name="next_of_kin",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="plan_participations",
                to="pathways.nextofkin",
                verbose_name="next of kin",
            ),
        ),
        migrations.RunPython(link_people, unlink_people),
        migrations.AddConstraint(
            model_name="crisiscontact",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("next_of_kin__isnull", False),
                    models.Q(
                        models.Q(("name", ""), _negated=True),
                        models.Q(("phone", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="crisiscontact_person_or_typed",
            ),
        ),
        migrations.AddConstraint(
            model_name="groupmember",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("next_of_kin__isnull", True),
                        ("unit__isnull", False),
                        ("user__isnull", False),
                    ),
                    models.Q(
                        ("unit__isnull", True),
                        ("user__isnull", True),
                        models.Q(
                            models.Q(("name", ""), _negated=True),
                            ("next_of_kin__isnull", False),
                            _connector="OR",
                        ),
                    ),
                    _connector="OR",
                ),
                name="groupmember_internal_or_external",
            ),
        ),
        migrations.AddConstraint(
            model_name="groupmember",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("role", "next_of_kin"), _negated=True),
                    ("next_of_kin__isnull", False),
                    _connector="OR",
                ),
                name="groupmember_next_of_kin_set",
            ),
        ),
        migrations.AddConstraint(
            model_name="participant",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "next_of_kin"), _negated=True),
                    ("next_of_kin__isnull", False),
                    _connector="OR",
                ),
                name="participant_next_of_kin_set",
            ),
        ),
    ]
