"""Finnmark's treatment places: UNN's own TSB units and two contracted institutions with free
places, and two placements (one at the wished place, one elsewhere with a reason)."""

import datetime

from django.utils import timezone

from accounts.acting import Actor
from accounts.models import Organisation, ServiceUnit
from accounts.services import unit_create
from referrals import services
from referrals.models import Referral, TreatmentPlace

Form = TreatmentPlace.Form
P = TreatmentPlace.Profile

# Where the demo kommuner are (their administrative centres).
KOMMUNE_LOCATIONS = {"vadso": (70.074, 29.749), "sarpsborg": (59.284, 11.109)}

# (org key, unit key — or, for an institution not in the base demo, (name, org number) and
#  the unit's name —, form, profiles, location, latitude, longitude, free places, free in
#  days, wait days)
PLACES = [
    ("unn", "unn_dogn", Form.DOGN, [P.ROP, P.DETOX], "Tromsø", 69.681, 18.977, 0, None, 45),
    ("unn", "unn_lar", Form.POLIKLINIKK, [P.LAR], "Tromsø", 69.681, 18.977, 0, None, 20),
    ("unn", "unn_inntak", Form.POLIKLINIKK, [P.ROP], "Tromsø", 69.681, 18.977, 0, None, 30),
    ("fk", "fk_dogn", Form.DOGN, [P.ACTIVITY, P.YOUTH], "Alta", 69.969, 23.272, 2, 3, 0),
    (
        ("Varanger behandlingssenter", "987654325"),
        "Varanger behandlingssenter, døgn",
        Form.DOGN,
        [P.FAMILY, P.WOMEN, P.ROP],
        "Kirkenes",
        69.727,
        30.045,
        1,
        0,
        0,
    ),
]


def _private_unit(name, number, unit_name):
    org, _created = Organisation.objects.get_or_create(
        org_number=number,
        defaults={"name": name, "level": Organisation.Level.SPESIALIST, "is_private": True},
    )
    unit = ServiceUnit.objects.filter(organisation=org, name=unit_name).first()
    return unit or unit_create(
        organisation=org, name=unit_name, kind=ServiceUnit.Kind.TSB_DOGN, phone="78 40 00 00"
    )


def seed(demo) -> None:
    if "unn" not in demo.orgs or TreatmentPlace.objects.exists():
        return
    for key, (lat, lon) in KOMMUNE_LOCATIONS.items():
        if key in demo.orgs:
            Organisation.objects.filter(pk=demo.orgs[key].pk).update(latitude=lat, longitude=lon)
    today = demo.today
    now = timezone.now()
    for org, unit, form, profiles, town, lat, lon, free, free_in, wait in PLACES:
        unit = demo.units[unit] if isinstance(org, str) else _private_unit(*org, unit)
        TreatmentPlace.objects.create(
            unit=unit,
            form=form,
            profiles=list(profiles),
            location=town,
            latitude=lat,
            longitude=lon,
            health_trust=demo.orgs["unn"],
            free_places=free,
            free_from=today + datetime.timedelta(days=free_in) if free else None,
            expected_wait_days=wait,
            capacity_updated_at=now - datetime.timedelta(days=2 if free else 9),
        )
    intake = Actor(demo.users["unn.inntak"], demo.units["unn_inntak"])
    waiting = Referral.objects.filter(
        receiving_unit=demo.units["unn_inntak"], state=Referral.State.GRANTED, place=None
    ).order_by("pk")
    wished = TreatmentPlace.objects.get(unit=demo.units["fk_dogn"])
    elsewhere = TreatmentPlace.objects.get(unit=demo.units["unn_dogn"])
    for referral, place, reason in zip(
        waiting,
        (wished, elsewhere),
        (
            "",
            "Pasienten trenger avrusning med medisinsk tilsyn før videre behandling; "
            "det gis bare ved UNN.",
        ),
        strict=False,
    ):
        if place is wished:
            Referral.objects.filter(pk=referral.pk).update(wished_place=wished)
            referral.refresh_from_db()
        start = min(place.earliest_start(today), referral.start_deadline)
        services.referral_place(
            referral=referral,
            actor=intake,
            place=place,
            planned_start=max(start, today),
            reason=reason,
        )


def seed_joint_intake(demo) -> None:
    """Øst-Finnmark's weekly joint intake meeting: one outcome for the kommune alone (it stays
    in the patient's pathway) and one patient on the next agenda."""
    from referrals.models import JointIntakeForum
    from referrals.placement import joint_intake as joint

    if "unn" not in demo.orgs or JointIntakeForum.objects.exists():
        return
    forum = JointIntakeForum.objects.create(
        name="Felles inntak Øst-Finnmark",
        health_trust=demo.orgs["unn"],
        specialist_unit=demo.units["unn_inntak"],
        weekday=1,
    )
    forum.kommuner.add(demo.orgs["vadso"])
    vadso = demo.units["vadso_rus"]
    kari = Actor(demo.first_user("vadso_rus"), vadso)
    without_referral = [
        p for p in demo.patients if p.registered_by_unit_id == vadso.pk and not p.referrals.exists()
    ][:2]
    if len(without_referral) < 2:
        return
    decided, waiting = without_referral
    today = demo.today
    case = joint.case_add(
        forum=forum,
        patient=decided,
        actor=kari,
        question="Økende rusbruk etter samlivsbrudd; trenger hun spesialisthelsetjenesten?",
        consent_given_on=today,
    )
    joint.case_decide(
        case=case,
        actor=Actor(demo.users["unn.inntak"], demo.units["unn_inntak"]),
        outcome="kommune",
        reasons="Moderat bruk uten psykisk lidelse som krever spesialist; tett oppfølging "
        "hjemme er riktig nivå nå (BEON).",
        next_steps="Ruskonsulenten følger opp ukentlig; ny vurdering i felles inntak om seks "
        "uker, eller før ved forverring.",
        version=1,
    )
    joint.case_add(
        forum=forum,
        patient=waiting,
        actor=kari,
        question="ROP-problematikk og ustabil bolig; vurdere FACT eller døgnbehandling.",
        consent_given_on=today,
    )
