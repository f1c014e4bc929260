"""Referral fixtures: Vadsø refers Ola to UNN's intake team; UNN also runs a DPS."""

import datetime

import pytest
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import Membership, ServiceUnit
from referrals import services
from tests.factories import make_unit, make_user

Role = Membership.Role


def referral_data(**overrides) -> dict:
    data = {
        "reason": "Økende alkoholbruk og benzodiazepiner siste halvår, to overdoser.",
        "question": "Vurdering av rett til TSB, helst døgnbehandling.",
        "substance_use": "Alkohol daglig, benzodiazepiner uten resept.",
        "mental_health": "Angst og søvnvansker.",
        "existing_services": "Ruskonsulent ukentlig, NAV-veileder, fastlege.",
        "patient_wishes": "Vil bli rusfri og komme tilbake i jobb.",
        "preferred_place": "Finnmarkskollektivet",
        "urgency": "ordinary",
        "consent_given_on": timezone.localdate(),
    }
    data.update(overrides)
    return data


def send_referral(patient, by, unit, to, **overrides):
    return services.referral_create(
        patient=patient,
        actor=Actor(by, unit),
        receiving_unit=to,
        data=referral_data(**overrides),
        send=True,
    )


@pytest.fixture
def unn_dps(unn):
    return make_unit(unn, ServiceUnit.Kind.DPS, "DPS Nord-Troms")


@pytest.fixture
def dps_clinician(unn_dps):
    return make_user(unn_dps, Role.CLINICIAN, username="dpsbehandler")


@pytest.fixture
def intake_leader(unn_intake):
    return make_user(unn_intake, Role.LEADER, username="unnleder")


@pytest.fixture
def referral(patient, coordinator, vadso_rus, unn_intake, tsb_intake):
    """Sent by Vadsø today; UNN's intake team has it."""
    return send_referral(patient, coordinator, vadso_rus, unn_intake)


@pytest.fixture
def granted(referral, tsb_intake, unn_intake):
    return services.referral_grant(
        referral=referral,
        actor=Actor(tsb_intake, unn_intake),
        start_deadline=timezone.localdate() + datetime.timedelta(days=30),
        help_kind="inpatient",
    )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Test users are made by the dozen; the production hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
