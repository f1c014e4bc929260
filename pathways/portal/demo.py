"""Demo logins for /min/: two patients with access and one pårørende (Ola's mother).

They log in at /min/innlogging/demo/ with the demo password, only with DEMO_PORTAL_LOGIN
(``make run`` turns it on; production settings refuse it). Each patient also has a consent
that runs out soon, so /min/samtykker/ shows the warning. Idempotent.
"""

import datetime

from django.utils import timezone

from accounts.acting import Actor
from pathways.models import Consent, NextOfKin, PortalAccess
from pathways.patients.demo import PASSWORD
from pathways.patients.demo_ids import synthetic_id
from pathways.patients.services.careteam import consent_record
from pathways.portal import services as svc

# (username, patient index, next of kin's name or None)
PEOPLE = [
    ("min.ola", 0, None),
    ("min.pasient", 12, None),
    ("min.parorende", 0, "Randi Nordmann"),
]


def seed(demo) -> None:
    if len(demo.patients) <= max(index for _, index, _ in PEOPLE):
        return
    koordinator = demo.users["vadso.ruskonsulent"]
    unit = demo.units["vadso_rus"]
    for serial, (username, index, kin_name) in enumerate(PEOPLE):
        patient = demo.patients[index]
        kin = NextOfKin.objects.filter(patient=patient, name=kin_name).first() if kin_name else None
        if kin_name and kin is None:
            continue
        found = PortalAccess.objects.open().filter(patient=patient, next_of_kin=kin)
        if kin is None:
            _consent_running_out(demo, patient)
        if found.filter(user__username=username).exists():
            continue
        access = svc.portal_access_open(
            actor=Actor(koordinator, unit),
            patient=patient,
            reason="Demo: ønsket i samtale med koordinatoren",
            next_of_kin=kin,
            national_id=synthetic_id(datetime.date(1962, 3, 14), serial=serial) if kin else "",
        )
        user = svc.portal_login(portal_access=access, level="demo", method="demo seed")
        user.username = username
        user.first_name = kin.name if kin else patient.first_name
        user.set_password(PASSWORD)
        user.save(update_fields=["username", "first_name", "password"])


def _consent_running_out(demo, patient) -> None:
    """A consent to the individuell plan for the registering unit that ends in three weeks."""
    today = timezone.localdate()
    if Consent.objects.filter(
        patient=patient, scope=Consent.Scope.INDIVIDUAL_PLAN, valid_until__gt=today
    ).exists():
        return
    unit = patient.registered_by_unit
    user = demo.first_user(next(key for key, found in demo.units.items() if found == unit))
    consent_record(
        patient=patient,
        actor=Actor(user, unit),
        scope=Consent.Scope.INDIVIDUAL_PLAN,
        given_on=today - datetime.timedelta(days=340),
        units=[unit],
        valid_until=today + datetime.timedelta(days=21),
        note="Demo: fornyes etter ett år",
    )
