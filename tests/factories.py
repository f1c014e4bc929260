"""Building blocks for tests: organisations, units, people and patients made through the
real services (so permissions and the audit log are set up as in production)."""

import datetime
import itertools

from django.contrib.auth import get_user_model

from accounts.acting import Actor
from accounts.models import Membership, Organisation, ServiceUnit
from accounts.services import membership_add, unit_create
from pathways.models import Patient
from pathways.patients.demo_ids import synthetic_id
from pathways.patients.services.patients import patient_register

_counter = itertools.count(1)


def make_org(name=None, level=Organisation.Level.KOMMUNE):
    n = next(_counter)
    return Organisation.objects.create(
        name=name or f"Org {n}", org_number=f"{900000000 + n}", level=level
    )


def make_unit(org=None, kind=ServiceUnit.Kind.RUS_PSYKISK_HELSE, name=None):
    org = org or make_org()
    return unit_create(organisation=org, name=name or f"Enhet {next(_counter)}", kind=kind)


def make_user(unit=None, role=Membership.Role.CLINICIAN, username=None, **extra):
    n = next(_counter)
    user = get_user_model().objects.create_user(
        username or f"user{n}",
        f"user{n}@example.no",
        "a-long-test-password-1",
        first_name=extra.pop("first_name", "Test"),
        last_name=extra.pop("last_name", f"Bruker{n}"),
        **extra,
    )
    if unit is not None:
        membership_add(user=user, unit=unit, role=role)
    return user


def make_patient(unit, by=None, **data):
    by = by or make_user(unit)
    n = next(_counter)
    birth = data.pop("birth_date", datetime.date(1980, 1 + n % 12, 1 + n % 28))
    fields = {
        "national_id": synthetic_id(birth, serial=n % 50),
        "id_kind": Patient.IdKind.SYNTHETIC,
        "first_name": "Ola",
        "last_name": f"Testesen{n}",
        "birth_date": birth,
    }
    fields.update(data)
    return patient_register(actor=Actor(by, unit), data=fields)
