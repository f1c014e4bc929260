"""The fixed cast. Vadsø's ruskonsulent registers the patient; a colleague shares the unit;
Sarpsborg is another kommune; UNN runs TSB; a stranger helseforetak never sees the patient."""

import httpx
import pytest
from django.conf import settings
from django.core.cache import caches

from accounts.acting import Actor
from accounts.models import Membership, Organisation, ServiceUnit
from config import fragments
from pathways.models import CareTeamMember, Consent
from pathways.patients.services.careteam import consent_record
from tests.factories import make_org, make_patient, make_unit, make_user
from tests.oidc_provider import (
    HELSEID_CLIENT,
    IDPORTEN_CLIENT,
    IDPORTEN_SECRET,
    start_provider,
)

Role = Membership.Role
Kind = ServiceUnit.Kind


def pytest_collection_modifyitems(config, items):
    """Skip tests whose backend is missing, with the reason (never in CI, which fails instead)."""
    is_pg = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    for item in items:
        if item.get_closest_marker("postgres") and not is_pg:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL)"))
        if item.get_closest_marker("redis") and not settings.REDIS_URL:
            item.add_marker(pytest.mark.skip(reason="needs a live Redis (REDIS_URL)"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The throwaway test database commits without waiting for the disk (every connection to
    it, the test's processes included): a busy machine's disk then slows the run less."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock():
            with connection.cursor() as cursor:
                name = connection.ops.quote_name(connection.settings_dict["NAME"])
                cursor.execute(f"ALTER DATABASE {name} SET synchronous_commit = off")
            connection.close()  # the next connection takes the setting


@pytest.fixture(autouse=True)
def _files_in_a_temporary_folder(settings, tmp_path):
    """Uploads and kept PDFs go to a folder of the test's own, never into the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_fragments_from_an_earlier_test():
    """A test's rolled-back rows leave versions that the next test's rows take again: kept
    fragments (config/fragments.py) are the process's, so each test starts without any."""
    caches[fragments.CACHE].clear()


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    """pathways.sms.outbox is the process's, like a mail outbox: each test starts empty."""
    from pathways import sms

    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _no_session_renewal_mid_test(settings):
    """A slow run must not renew a session between two counted requests (renewal is tested
    on its own in tests/accounts/test_login.py)."""
    settings.SESSION_RENEW_SECONDS = 24 * 3600


@pytest.fixture
def vadso(db):
    return make_org("Vadsø kommune")


@pytest.fixture
def vadso_rus(vadso):
    return make_unit(vadso, Kind.RUS_PSYKISK_HELSE, "Rus- og psykisk helseenheten")


@pytest.fixture
def sarpsborg_rus(db):
    return make_unit(make_org("Sarpsborg kommune"), Kind.RUS_PSYKISK_HELSE, "Rus og psykisk helse")


@pytest.fixture
def unn(db):
    return make_org("UNN HF", level=Organisation.Level.SPESIALIST)


@pytest.fixture
def unn_tsb(unn):
    return make_unit(unn, Kind.TSB_DOGN, "TSB døgn")


@pytest.fixture
def unn_intake(unn):
    return make_unit(unn, Kind.TSB_POLIKLINIKK, "TSB inntaksteam")


@pytest.fixture
def other_hf_unit(db):
    return make_unit(make_org("Annet HF", level=Organisation.Level.SPESIALIST), Kind.DPS, "DPS")


@pytest.fixture
def coordinator(vadso_rus):
    return make_user(vadso_rus, Role.COORDINATOR, username="kari", first_name="Kari")


@pytest.fixture
def colleague(vadso_rus):
    return make_user(vadso_rus, Role.CLINICIAN, username="kollega")


@pytest.fixture
def leader(vadso_rus):
    return make_user(vadso_rus, Role.LEADER, username="leder")


@pytest.fixture
def other_kommune_user(sarpsborg_rus):
    return make_user(sarpsborg_rus, Role.COORDINATOR, username="sarpsborg")


@pytest.fixture
def tsb_clinician(unn_tsb):
    return make_user(unn_tsb, Role.CLINICIAN, username="unnbehandler")


@pytest.fixture
def tsb_intake(unn_intake):
    return make_user(unn_intake, Role.INTAKE, username="unninntak")


@pytest.fixture
def other_hf_user(other_hf_unit):
    return make_user(other_hf_unit, Role.CLINICIAN, username="annethf")


@pytest.fixture
def patient(vadso_rus, coordinator):
    return make_patient(vadso_rus, by=coordinator, first_name="Ola", last_name="Nordmann")


@pytest.fixture
def shared_patient(patient, coordinator, vadso_rus, unn_tsb):
    """The patient with UNN TSB døgn on the care team by consent."""
    consent_record(
        patient=patient,
        actor=Actor(coordinator, vadso_rus),
        scope=Consent.Scope.SHARING,
        given_on=patient.created_at.date(),
        units=[unn_tsb],
        role=CareTeamMember.Role.TREATING,
    )
    return patient


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture(scope="session")
def oidc_provider():
    """A real OpenID provider process (npm oidc-provider) for the whole run."""
    provider = start_provider()
    yield provider
    provider.stop()


@pytest.fixture
def provider_browser():
    """A browser's cookie jar at the provider (plain HTTP; the login pages are HTML forms)."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        yield browser


def configure_oidc(settings, provider, tmp_path) -> None:
    settings.IDPORTEN_ISSUER = provider.issuer
    settings.IDPORTEN_CLIENT_ID = IDPORTEN_CLIENT
    settings.IDPORTEN_CLIENT_SECRET = IDPORTEN_SECRET
    settings.HELSEID_ISSUER = provider.issuer
    settings.HELSEID_CLIENT_ID = HELSEID_CLIENT
    key_file = tmp_path / "helseid-key.pem"
    key_file.write_text(provider.helseid_key_pem)
    settings.HELSEID_PRIVATE_KEY_FILE = str(key_file)


@pytest.fixture
def oidc(settings, oidc_provider, tmp_path):
    """ID-porten and HelseID both configured against the test provider."""
    configure_oidc(settings, oidc_provider, tmp_path)
    return oidc_provider
