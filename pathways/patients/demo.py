"""Organisations from the source documents, the demo personas and about 40 patients."""

import datetime
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import Membership, Organisation, ServiceUnit
from accounts.services import membership_add, unit_create
from pathways.models import BreakGlassAccess, CareTeamMember, Consent, NextOfKin, Patient
from pathways.patients.demo_ids import synthetic_id
from pathways.patients.services.breakglass import break_glass_open
from pathways.patients.services.careteam import consent_record
from pathways.patients.services.patients import next_of_kin_save, patient_register

PASSWORD = "demo"  # noqa: S105 - demo only; seed_demo refuses to run in production

K = Organisation.Level.KOMMUNE
S = Organisation.Level.SPESIALIST
U = ServiceUnit.Kind
R = Membership.Role

ORGANISATIONS = [
    # (key, name, org number, level, private, [(unit key, unit name, kind)])
    (
        "sarpsborg",
        "Sarpsborg kommune",
        "938801363",
        K,
        False,
        [
            ("sarpsborg_rus", "Rus og psykisk helse", U.RUS_PSYKISK_HELSE),
            ("sarpsborg_fact", "FACT Sarpsborg", U.FACT),
        ],
    ),
    (
        "vadso",
        "Vadsø kommune",
        "944021835",
        K,
        False,
        [
            ("vadso_rus", "Rus- og psykisk helseenheten", U.RUS_PSYKISK_HELSE),
            ("vadso_nav", "NAV Vadsø", U.NAV),
        ],
    ),
    (
        "vv",
        "Vestre Viken HF",
        "894166762",
        S,
        False,
        [
            ("vv_tsb", "TSB poliklinikk Bærum DPS", U.TSB_POLIKLINIKK),
            ("vv_dogn", "Avdeling rus og avhengighet, døgn", U.TSB_DOGN),
            ("vv_dps", "DPS psykisk helsevern", U.DPS),
        ],
    ),
    (
        "unn",
        "Universitetssykehuset Nord-Norge HF",
        "983974899",
        S,
        False,
        [
            ("unn_inntak", "TSB inntaksteam", U.TSB_POLIKLINIKK),
            ("unn_dogn", "TSB døgn", U.TSB_DOGN),
            ("unn_lar", "LAR", U.LAR),
        ],
    ),
    (
        "so",
        "Sykehuset Østfold HF",
        "983971709",
        S,
        False,
        [
            ("so_tsb", "TSB Sykehuset Østfold", U.TSB_POLIKLINIKK),
        ],
    ),
    (
        "fk",
        "Finnmarkskollektivet",
        "971295058",
        S,
        True,
        [
            ("fk_dogn", "Finnmarkskollektivet døgn", U.TSB_DOGN),
        ],
    ),
]

# Contact details the letters to patients print (made up for the demo: not the real units' numbers).
UNIT_CONTACTS = {
    "sarpsborg_rus": (
        "22 00 10 01",
        "Postboks 237, 1702 Sarpsborg",
        "Kirkegata 20, 1721 Sarpsborg",
        "Meld deg i resepsjonen i 1. etasje.",
    ),
    "sarpsborg_fact": (
        "22 00 10 02",
        "Postboks 237, 1702 Sarpsborg",
        "Kirkegata 20, 1721 Sarpsborg",
        "Ring på døra merket FACT, 2. etasje.",
    ),
    "vadso_rus": (
        "22 00 20 01",
        "Postboks 614, 9811 Vadsø",
        "Tollbugata 10, 9800 Vadsø",
        "Meld deg i resepsjonen.",
    ),
    "vadso_nav": ("22 00 20 02", "Postboks 333, 9815 Vadsø", "Tollbugata 12, 9800 Vadsø", ""),
    "vv_tsb": (
        "22 00 30 01",
        "Postboks 800, 3004 Drammen",
        "Sandvika DPS, Løkketangen 10, 1337 Sandvika",
        "Meld deg i ekspedisjonen i 3. etasje.",
    ),
    "vv_dogn": (
        "22 00 30 02",
        "Postboks 800, 3004 Drammen",
        "Blakstad, bygg 6, 1392 Vettre",
        "Ring på ved hovedinngangen; personalet tar deg imot.",
    ),
    "vv_dps": ("22 00 30 03", "Postboks 800, 3004 Drammen", "Løkketangen 10, 1337 Sandvika", ""),
    "unn_inntak": (
        "22 00 40 01",
        "Postboks 100, 9038 Tromsø",
        "Åsgårdvegen 9, 9016 Tromsø",
        "Meld deg i ekspedisjonen, bygg 2.",
    ),
    "unn_dogn": (
        "22 00 40 02",
        "Postboks 100, 9038 Tromsø",
        "Åsgårdvegen 9, 9016 Tromsø",
        "Ring på ved døgnposten, bygg 3.",
    ),
    "unn_lar": (
        "22 00 40 03",
        "Postboks 100, 9038 Tromsø",
        "Sykehusvegen 38, 9019 Tromsø",
        "Utlevering og samtaler i 1. etasje.",
    ),
    "so_tsb": (
        "22 00 50 01",
        "Postboks 300, 1714 Grålum",
        "Kalnesveien 300, 1714 Grålum",
        "Meld deg i skranken ved inngang B.",
    ),
    "fk_dogn": (
        "22 00 60 01",
        "Postboks 24, 9711 Lakselv",
        "Banak, 9700 Lakselv",
        "Du blir hentet på flyplassen eller busstasjonen etter avtale.",
    ),
}

USERS = [
    # (username, first, last, unit key, role, title)
    ("vadso.ruskonsulent", "Kari", "Nilsen", "vadso_rus", R.COORDINATOR, "Ruskonsulent"),
    ("vadso.leder", "Trond", "Haugen", "vadso_rus", R.LEADER, "Enhetsleder"),
    ("sarpsborg.koordinator", "Ingrid", "Berg", "sarpsborg_rus", R.COORDINATOR, "Koordinator"),
    ("unn.inntak", "Mats", "Johansen", "unn_inntak", R.INTAKE, "Psykolog, inntaksteam"),
    ("unn.behandler", "Sara", "Eriksen", "unn_dogn", R.CLINICIAN, "Lege"),
    ("vv.behandler", "Jonas", "Lie", "vv_tsb", R.CLINICIAN, "Psykologspesialist"),
    ("vv.dps", "Eva", "Dahl", "vv_dps", R.CLINICIAN, "Psykiater"),
]

FIRST_NAMES = [
    "Ola",
    "Per",
    "Anne",
    "Lise",
    "Tor",
    "Hilde",
    "Espen",
    "Marit",
    "Kjell",
    "Silje",
    "Rune",
    "Tone",
    "Geir",
    "Nina",
    "Stian",
    "Camilla",
    "Øystein",
    "Heidi",
    "Arne",
    "Linn",
    "Vegard",
    "Mona",
    "Håkon",
    "Trine",
    "Bjørn",
    "Elin",
    "Kristian",
    "Ragnhild",
    "Sindre",
    "Åse",
    "Fredrik",
    "Maja",
    "Jørgen",
    "Ida",
    "Pål",
    "Sunniva",
    "Eirik",
    "Kine",
    "Morten",
    "Astrid",
]
LAST_NAMES = [
    "Hansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Jakobsen",
    "Halvorsen",
    "Strand",
    "Sæther",
    "Isaksen",
    "Mathisen",
    "Nygård",
    "Solberg",
    "Bakken",
    "Kristiansen",
    "Moen",
]

# Where the demo patients live and which units follow them (registering unit first).
PATIENT_PLAN = (
    [("vadso", ["vadso_rus"])] * 8
    + [("vadso", ["vadso_rus", "unn_dogn"])] * 4
    + [("vadso", ["vadso_rus", "unn_lar", "vadso_nav"])] * 2
    + [("vadso", ["vadso_rus", "fk_dogn"])] * 1
    + [("sarpsborg", ["sarpsborg_rus"])] * 7
    + [("sarpsborg", ["sarpsborg_rus", "sarpsborg_fact", "so_tsb"])] * 4
    + [("sarpsborg", ["sarpsborg_fact"])] * 2
    + [(None, ["vv_tsb"])] * 4
    + [(None, ["vv_tsb", "vv_dps"])] * 2
    + [(None, ["vv_dogn"])] * 2
    + [("vadso", ["unn_inntak"])] * 2
    + [(None, ["so_tsb"])] * 2
)


@dataclass
class Demo:
    orgs: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    patients: list = field(default_factory=list)
    today: datetime.date = field(default_factory=timezone.localdate)

    def first_user(self, unit_key):
        unit = self.units[unit_key]
        membership = Membership.objects.filter(unit=unit).select_related("user").first()
        if membership:
            return membership.user
        return self.users["admin"]


def _organisations(demo: Demo) -> None:
    for key, name, number, level, private, units in ORGANISATIONS:
        org, _ = Organisation.objects.get_or_create(
            org_number=number, defaults={"name": name, "level": level, "is_private": private}
        )
        demo.orgs[key] = org
        for unit_key, unit_name, kind in units:
            unit = ServiceUnit.objects.filter(organisation=org, name=unit_name).first()
            unit = unit or unit_create(organisation=org, name=unit_name, kind=kind)
            if unit_key in UNIT_CONTACTS and not unit.phone:
                phone, postal, visiting, instructions = UNIT_CONTACTS[unit_key]
                unit.phone, unit.postal_address = phone, postal
                unit.visiting_address, unit.visiting_instructions = visiting, instructions
                unit.save(
                    update_fields=[
                        "phone",
                        "postal_address",
                        "visiting_address",
                        "visiting_instructions",
                    ]
                )
            demo.units[unit_key] = unit


def _users(demo: Demo) -> None:
    User = get_user_model()
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User.objects.create_superuser("admin", "admin@samhandling.local", PASSWORD)
    demo.users["admin"] = admin
    for username, first, last, unit_key, role, title in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username,
                f"{username}@samhandling.local",
                PASSWORD,
                first_name=first,
                last_name=last,
            )
        membership_add(user=user, unit=demo.units[unit_key], role=role, title=title)
        demo.users[username] = user
    # A colleague in every unit, so each unit has someone to act for it.
    for unit_key in demo.units:
        username = f"{unit_key.replace('_', '.')}.ansatt"
        user = User.objects.filter(username=username).first() or User.objects.create_user(
            username,
            f"{username}@samhandling.local",
            PASSWORD,
            first_name="Demo",
            last_name=demo.units[unit_key].name,
        )
        membership_add(user=user, unit=demo.units[unit_key], role=R.CLINICIAN)
        demo.users[username] = user


def _patients(demo: Demo) -> None:
    rng = random.Random(20261122)  # noqa: S311 - fixed seed for reproducible demo data
    for index, (home, unit_keys) in enumerate(PATIENT_PLAN):
        first = FIRST_NAMES[index % len(FIRST_NAMES)]
        last = LAST_NAMES[(index * 7) % len(LAST_NAMES)]
        # A few young adults, so the under-23 rules have someone to apply to.
        age = 19 + rng.randrange(4) if index % 6 == 0 else 23 + rng.randrange(40)
        birth = datetime.date(demo.today.year - age, 1 + rng.randrange(12), 1 + rng.randrange(28))
        number = synthetic_id(birth, serial=index)
        phone = f"9{rng.randrange(10**7):07d}"
        gp = rng.choice(["Dr. Aas", "Dr. Sivertsen", "Dr. Lund"])
        patient = Patient.objects.filter(national_id=number).first()
        if patient is None:
            if index == 0:
                first, last = "Ola", "Nordmann"
            registering = demo.units[unit_keys[0]]
            by = demo.first_user(unit_keys[0])
            patient = patient_register(
                actor=Actor(by, registering),
                data={
                    "national_id": number,
                    "id_kind": Patient.IdKind.SYNTHETIC,
                    "first_name": first,
                    "last_name": last,
                    "birth_date": birth,
                    "home_kommune": demo.orgs[home] if home else None,
                    "phone": phone,
                    "fastlege_name": gp,
                    "fastlege_practice": "Vadsø legesenter"
                    if home == "vadso"
                    else "Sarpsborg legesenter"
                    if home == "sarpsborg"
                    else "",
                },
            )
            others = [demo.units[key] for key in unit_keys[1:]]
            if others:
                consent_record(
                    patient=patient,
                    actor=Actor(by, registering),
                    scope=Consent.Scope.SHARING,
                    given_on=demo.today - datetime.timedelta(days=30 + index),
                    units=others,
                    role=CareTeamMember.Role.TREATING,
                )
        demo.patients.append(patient)


NEXT_OF_KIN = [
    # (patient index, name, relation, phone, may receive information)
    (0, "Randi Nordmann", "Mor", "41122334", True),
    (0, "Jon Nordmann", "Bror", "92233445", False),
    # Ola's sister: plan participant and crisis contact (pathways/plan/demo.py).
    (0, "Berit Nordmann", "Søster", "91234567", True),
    (1, "Tove Olsen", "Samboer", "47788990", True),
    (2, "Arvid Larsen", "Far", "90011223", True),
]


def _next_of_kin(demo: Demo) -> None:
    for index, name, relation, phone, informed in NEXT_OF_KIN:
        patient = demo.patients[index]
        if NextOfKin.objects.filter(patient=patient, name=name).exists():
            continue
        unit = patient.registered_by_unit
        next_of_kin_save(
            patient=patient,
            actor=Actor(demo.first_user(next(k for k, u in demo.units.items() if u == unit)), unit),
            instance=NextOfKin(
                name=name, relation=relation, phone=phone, may_receive_information=informed
            ),
        )


def _break_glass(demo: Demo) -> None:
    """One earlier emergency access in Vadsø, waiting for the leader's review."""
    user = demo.users["vadso.rus.ansatt"]
    if BreakGlassAccess.objects.filter(user=user).exists():
        return
    # A Sarpsborg patient that Vadsø does not follow.
    plan = zip(demo.patients, PATIENT_PLAN, strict=True)
    patient = next(p for p, (home, _) in plan if home == "sarpsborg")
    grant = break_glass_open(
        patient=patient,
        actor=Actor(user, demo.units["vadso_rus"]),
        reason=BreakGlassAccess.Reason.NEW_CONTACT,
        explanation=(
            "Pasienten møtte opp i Vadsø på besøk hos familie og ba om hjelp med LAR-medisin."
        ),
    )
    when = timezone.now() - datetime.timedelta(days=2)
    BreakGlassAccess.objects.filter(pk=grant.pk).update(
        granted_at=when, expires_at=when + datetime.timedelta(hours=4)
    )


def seed() -> Demo:
    demo = Demo()
    _organisations(demo)
    _users(demo)
    _patients(demo)
    _next_of_kin(demo)
    _break_glass(demo)
    return demo
