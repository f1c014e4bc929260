"""Staff log in with HelseID (private_key_jwt, PKCE) against a real OpenID provider process."""

import logging

import pytest
from django.contrib.auth import SESSION_KEY

from accounts.helseid import assurance_enough
from accounts.models import UserIdentity
from tests.conftest import configure_oidc
from tests.oidc_provider import provider_login, start_provider

pytestmark = pytest.mark.django_db

START = "/accounts/login/helseid/"
PID = "13097248022"


@pytest.fixture
def helseid_user(coordinator):
    UserIdentity.objects.create(user=coordinator, helseid_pid=PID)
    return coordinator


def test_a_staff_member_logs_in_with_helseid(client, oidc, provider_browser, helseid_user):
    # The provider accepts only a private_key_jwt assertion from this client: no shared secret.
    response = client.get(provider_login(client, START, pid=PID, browser=provider_browser))
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert int(client.session[SESSION_KEY]) == helseid_user.pk
    assert client.get("/").status_code == 200


def test_the_login_returns_to_the_page_asked_for(client, oidc, provider_browser, helseid_user):
    callback = provider_login(
        client, f"{START}?next=/pasienter/", pid=PID, browser=provider_browser
    )
    assert client.get(callback)["Location"] == "/pasienter/"


def test_a_helseid_person_without_an_account_is_told_so(
    client, oidc, provider_browser, helseid_user
):
    response = client.get(
        provider_login(client, START, pid="01010112345", browser=provider_browser)
    )
    assert response.status_code == 403
    assert "ingen brukerkonto i Samhandling" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_logout_after_helseid_ends_the_session_at_helseid(
    client, oidc, provider_browser, helseid_user
):
    client.get(provider_login(client, START, pid=PID, browser=provider_browser))
    response = client.post("/accounts/logout/")
    assert response["Location"].startswith(f"{oidc.issuer}/session/end")
    assert SESSION_KEY not in client.session


def test_the_login_page_offers_helseid_only_when_configured(client, settings, oidc):
    assert "Logg inn med HelseID" in client.get("/accounts/login/").content.decode()
    settings.HELSEID_ISSUER = ""
    assert "Logg inn med HelseID" not in client.get("/accounts/login/").content.decode()
    assert client.get(START).status_code == 404


def test_a_helseid_identity_belongs_to_staff_only(helseid_user):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        UserIdentity.objects.filter(user=helseid_user).update(kind=UserIdentity.Kind.PATIENT)


def test_logout_forms_may_reach_the_provider(client, oidc):
    """The logout form's answer redirects to the provider: form-action must allow it."""
    csp = client.get("/accounts/login/")["Content-Security-Policy"]
    assert f"form-action 'self' {oidc.issuer};" in csp


def test_a_wrong_state_is_refused(client, oidc, provider_browser, helseid_user):
    callback = provider_login(client, START, pid=PID, browser=provider_browser)
    response = client.get(callback.replace("state=", "state=x"))
    assert response.status_code == 400
    assert "Innloggingen med HelseID kunne ikke fullføres" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_wrong_nonce_is_refused(client, oidc, provider_browser, helseid_user, caplog):
    callback = provider_login(client, START, pid=PID, browser=provider_browser)
    # The ID token must carry the nonce this session sent; change what the session expects.
    session = client.session
    (key,) = [k for k in list(session.keys()) if k.startswith("_state_helseid_")]
    stored = session[key]
    stored["data"]["nonce"] = "another-nonce"
    session[key] = stored
    session.save()
    with caplog.at_level(logging.INFO, logger="accounts.helseid"):
        response = client.get(callback)
    assert response.status_code == 400
    assert "nonce" in caplog.text
    assert SESSION_KEY not in client.session


def test_an_expired_id_token_is_refused(
    client, settings, tmp_path, provider_browser, helseid_user, caplog
):
    # The ID token lives one second and reaches us two seconds after it was made.
    provider = start_provider(id_token_ttl=1, token_delay_ms=2100)
    try:
        configure_oidc(settings, provider, tmp_path)
        settings.OIDC_LEEWAY_SECONDS = 0
        callback = provider_login(client, START, pid=PID, browser=provider_browser)
        with caplog.at_level(logging.INFO, logger="accounts.helseid"):
            response = client.get(callback)
    finally:
        provider.stop()
    assert response.status_code == 400
    assert "expired" in caplog.text
    assert SESSION_KEY not in client.session


def test_a_login_below_the_required_level_gets_no_staff_session(
    client, oidc, provider_browser, helseid_user, caplog
):
    callback = provider_login(
        client, START, pid=PID, acr="idporten-loa-substantial", browser=provider_browser
    )
    with caplog.at_level(logging.INFO, logger="accounts.helseid"):
        response = client.get(callback)
    assert response.status_code == 403
    assert "lavere sikkerhetsnivå" in response.content.decode()
    assert "'substantial'" in caplog.text
    assert SESSION_KEY not in client.session
    assert client.get("/").status_code == 302


def test_the_required_level_is_a_setting(client, settings, oidc, provider_browser, helseid_user):
    settings.HELSEID_ASSURANCE_LEVEL = "substantial"
    callback = provider_login(
        client, START, pid=PID, acr="idporten-loa-substantial", browser=provider_browser
    )
    assert client.get(callback).status_code == 302
    assert int(client.session[SESSION_KEY]) == helseid_user.pk


def test_a_token_without_a_level_is_refused(settings):
    settings.HELSEID_ASSURANCE_LEVEL = "low"
    assert not assurance_enough({})
    assert not assurance_enough({"helseid://claims/identity/assurance_level": "4"})
    assert assurance_enough({"helseid://claims/identity/assurance_level": "low"})
