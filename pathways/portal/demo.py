"""Demo logins for /min/: two patients with access and one pårørende.

The pårørende is Hanne Fjeld, the sister in the second patient's register: that patient gave
her "meetings and minutes" in /min/parorende/, so she reads the published minutes of the
ansvarsgruppe (``pathways/meetings/demo.py``) and nothing else.

They log in at /min/innlogging/demo/ with the demo password, only with DEMO_PORTAL_LOGIN
(``make run`` turns it on; production settings refuse it). Idempotent.
"""

import datetime

from accounts.acting import Actor
from pathways.models import NextOfKin, PortalAccess
from pathways.patients.demo import PASSWORD
from pathways.patients.demo_ids import synthetic_id
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
