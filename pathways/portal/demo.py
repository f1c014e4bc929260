"""Demo logins for /min/: two patients with access and one pårørende.

The pårørende is Hanne Fjeld, the sister in the second patient's register: that patient gave
her "meetings and minutes" in /min/parorende/, so she reads the published minutes of the
ansvarsgruppe (``pathways/meetings/demo.py``) and nothing else.

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
from pathways.portal import grants
from pathways.portal import services as svc

# (username, patient index)
PATIENTS = [("min.ola", 0), ("min.pasient", 12)]
# (username, patient index, name in the patient's register, parts given)
NEXT_OF_KIN = [("min.parorende", 12, "Hanne Fjeld", [PortalAccess.Part.MEETINGS])]


def _demo_login(user, username: str, first_name: str) -> None:
    user.username = username
    user.first_name = first_name
    user.set_password(PASSWORD)
    user.save(update_fields=["username", "first_name", "password"])


def seed(demo) -> None:
    if len(demo.patients) <= max(index for _, index in PATIENTS):
        return
    koordinator = demo.users["vadso.ruskonsulent"]
    unit = demo.units["vadso_rus"]
    own = {}
    for username, index in PATIENTS:
        patient = demo.patients[index]
        _consent_running_out(demo, patient)
        access = svc.portal_access_open(
            actor=Actor(koordinator, unit),
            patient=patient,
            reason="Demo: ønsket i samtale med koordinatoren",
        )
        own[index] = access
        if access.user is None or access.user.username != username:
            user = svc.portal_login(portal_access=access, level="demo", method="demo seed")
            _demo_login(user, username, patient.first_name)
            access.refresh_from_db()
    for serial, (username, index, name, parts) in enumerate(NEXT_OF_KIN):
        kin = NextOfKin.objects.filter(patient=demo.patients[index], name=name).first()
        if kin is None or PortalAccess.objects.in_force().filter(next_of_kin=kin).exists():
            continue
        access = own[index]
        grant = grants.next_of_kin_grant(
            portal_access=access,
            actor=Actor(access.user),
            next_of_kin=kin,
            national_id=synthetic_id(datetime.date(1962, 3, 14), serial=serial + 2),
            parts=parts,
            ends_on=demo.today + datetime.timedelta(days=180),
        )
        user = svc.portal_login(portal_access=grant, level="demo", method="demo seed")
        _demo_login(user, username, kin.name)


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
