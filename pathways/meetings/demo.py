"""Demo ansvarsgrupper: members, past meetings with published minutes and action items (some
overdue, some done), and upcoming meetings with follow-ups carried over."""

import datetime

from django.test.utils import override_settings
from django.utils import timezone

from accounts.acting import Actor
from pathways.meetings import services as svc
from pathways.models import GroupMember, ResponsibilityGroup

# Patients (index into demo.patients) with Vadsø and a specialist unit on the care team.
GROUPS = [
    # (patient index, specialist user, specialist unit, the patient's say)
    (8, "unn.behandler", "unn_dogn", "Vil ha med søsteren sin. Ønsker ikke at faren deltar."),
    (9, "unn.behandler", "unn_dogn", "Ønsker at fastlegen er med, gjerne digitalt."),
    (10, "unn.behandler", "unn_dogn", "Ønsker færrest mulig i møtene."),
    (12, "unn.lar.ansatt", "unn_lar", "Vil ha med NAV-veilederen og LAR-sykepleier."),
]

EXTERNALS = [
    # The sister goes into the patient's register in the same step and is read from there.
    dict(
        role=GroupMember.Role.NEXT_OF_KIN,
        new_person={
            "name": "Hanne Fjeld",
            "relation": "Søster",
            "phone": "41234567",
            "may_receive_information": True,
        },
        basis=GroupMember.Basis.CONSENT,
        basis_note="Muntlig samtykke i samtale med koordinator",
        patient_view=GroupMember.PatientView.ASKED_FOR,
    ),
    dict(
        name="Lege Per Aas",
        role=GroupMember.Role.FASTLEGE,
        role_note="Fastlege, Vadsø legesenter",
        phone="78940000",
        email="fastlege.aas@example.no",
        basis=GroupMember.Basis.CONSENT,
        basis_note="Skriftlig samtykke til deling med fastlege",
        patient_view=GroupMember.PatientView.AGREED,
    ),
]


def _local(day: datetime.date, hour: int):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _seed_group(demo, patient, specialist_user, specialist_unit, say):
    koordinator = demo.users["vadso.ruskonsulent"]
    vadso = demo.units["vadso_rus"]
    group = svc.group_create(patient=patient, actor=Actor(koordinator, vadso), patient_say=say)
    specialist = svc.group_member_add(
        group=group,
        actor=Actor(koordinator, vadso),
        user=demo.users[specialist_user],
        member_unit=demo.units[specialist_unit],
    )
    svc.group_member_add(
        group=group,
        actor=Actor(koordinator, vadso),
        name=patient.full_name,
        role=GroupMember.Role.PATIENT,
        basis=GroupMember.Basis.PATIENT,
        phone=patient.phone,
        patient_view=GroupMember.PatientView.AGREED,
    )
    externals = [
        svc.group_member_add(group=group, actor=Actor(koordinator, vadso), **data)
        for data in EXTERNALS
    ]
    today = demo.today

    # A meeting about ten weeks ago, minutes published, three actions agreed.
    past = svc.meeting_plan(
        group=group,
        actor=Actor(koordinator, vadso),
        starts_at=_local(today - datetime.timedelta(days=70), 10),
        duration_minutes=90,
        place="Vadsø rådhus, møterom 3",
        digital_link="https://meet.example.no/ansvarsgruppe",
        agenda=["Bolig etter utskrivning", "Aktivitet og økonomi", "Kriseplan"],
        # A meeting that has taken place is recorded; no invitation goes out for it.
        invite=[],
    )
    notes = {
        "Bolig etter utskrivning": (
            "Kommunal leilighet i Vadsø er ledig fra neste måned.",
            "Søknad om kommunal bolig sendes.",
        ),
        "Aktivitet og økonomi": (
            "Ønsker arbeidstrening. Har gjeld til kemneren.",
            "NAV kaller inn til samtale om arbeidsrettet oppfølging.",
        ),
        "Kriseplan": ("Kriseplanen er gjennomgått sammen med pasienten.", ""),
    }
    agenda = {a.pk: notes.get(a.title, ("", "")) for a in past.agenda.all()}
    attendance = {m.pk: "present" for m in group.members.active()}
    attendance[externals[0].pk] = "excused"
    past = svc.minutes_record(
        meeting=past,
        actor=Actor(koordinator, vadso),
        version=past.version,
        attendance=attendance,
        agenda_notes=agenda,
        general_notes="Fastlegen deltok digitalt.",
    )
    svc.action_item_add(
        meeting=past,
        actor=Actor(koordinator, vadso),
        what="Sende søknad om kommunal bolig",
        due_date=today - datetime.timedelta(days=12),
        responsible_user=koordinator,
    )
    done = svc.action_item_add(
        meeting=past,
        actor=Actor(koordinator, vadso),
        what="Sende epikrise og medisinliste til fastlege",
        due_date=today - datetime.timedelta(days=40),
        responsible_user=specialist.user,
    )
    svc.action_item_add(
        meeting=past,
        actor=Actor(koordinator, vadso),
        what="Fornye resepter og avtale blodprøver",
        due_date=today + datetime.timedelta(days=9),
        responsible_external=externals[1],
    )
    svc.action_item_add(
        meeting=past,
        actor=Actor(koordinator, vadso),
        what="Vurdere videre poliklinisk oppfølging etter utskrivning",
        due_date=today - datetime.timedelta(days=3),
        responsible_user=specialist.user,
    )
    past.refresh_from_db()
    svc.minutes_publish(meeting=past, actor=Actor(koordinator, vadso), version=past.version)
    svc.action_item_done(item=done, actor=Actor(specialist.user, specialist.unit))

    # The next meeting in about three weeks; open actions are carried onto its agenda.
    svc.meeting_plan(
        group=group,
        actor=Actor(koordinator, vadso),
        starts_at=_local(today + datetime.timedelta(days=18), 13),
        duration_minutes=60,
        place="Vadsø rådhus, møterom 3",
        digital_link="https://meet.example.no/ansvarsgruppe",
        agenda=["Status etter utskrivning", "Ettervern og oppfølging fra kommunen"],
    )


def seed(demo) -> None:
    # Demo addresses must never reach a mail server.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        for index, user_key, unit_key, say in GROUPS:
            if index >= len(demo.patients) or user_key not in demo.users:
                continue
            patient = demo.patients[index]
            if ResponsibilityGroup.objects.filter(patient=patient).exists():
                continue
            _seed_group(demo, patient, user_key, unit_key, say)
