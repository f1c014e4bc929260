"""Patients log in with ID-porten: a real OpenID provider process, driven over plain HTTP."""

import logging
from urllib.parse import urljoin

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client

from accounts.models import AuditEvent, UserIdentity
from tests.conftest import configure_oidc
from tests.oidc_provider import form_of, provider_login, provider_walk, start_provider

pytestmark = pytest.mark.django_db

START = "/min/innlogging/idporten/"


def test_a_patient_with_access_logs_in_and_lands_on_their_plan(
    client, oidc, provider_browser, patient, patient_access
):
    callback = provider_login(client, START, pid=patient.national_id, browser=provider_browser)
    response = client.get(callback)
    assert response.status_code == 302
    assert response["Location"] == "/min/"
    page = client.get("/min/")
    assert page.status_code == 200
    assert "Hei, Ola" in page.content.decode()
    patient_access.refresh_from_db()
    assert patient_access.user is not None
    assert patient_access.user.identity.kind == UserIdentity.Kind.PATIENT
    assert not patient_access.user.has_usable_password()
    assert client.session["portal_acr"] == "idporten-loa-high"
    login = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN, patient_id=patient.pk)
    assert login.basis == AuditEvent.Basis.PATIENT
    assert "idporten-loa-high" in login.detail


def test_the_second_login_uses_the_same_account(
    client, oidc, provider_browser, patient, patient_access
):
    client.get(provider_login(client, START, pid=patient.national_id, browser=provider_browser))
    first = int(client.session[SESSION_KEY])
    client.post("/min/logg-ut/")
    client.get(provider_login(client, START, pid=patient.national_id, browser=provider_browser))
    assert int(client.session[SESSION_KEY]) == first
    assert get_user_model().objects.filter(identity__kind="patient").count() == 1


def test_a_wrong_state_is_refused(client, oidc, provider_browser, patient, patient_access):
    callback = provider_login(client, START, pid=patient.national_id, browser=provider_browser)
    tampered = callback.replace("state=", "state=x")
    response = client.get(tampered)
    assert response.status_code == 400
    assert "Innloggingen kunne ikke fullføres" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_wrong_nonce_is_refused(client, oidc, provider_browser, patient, patient_access, caplog):
    callback = provider_login(client, START, pid=patient.national_id, browser=provider_browser)
    # The ID token must carry the nonce this session sent; change what the session expects.
    session = client.session
    (key,) = [k for k in list(session.keys()) if k.startswith("_state_idporten_")]
    stored = session[key]
    stored["data"]["nonce"] = "another-nonce"
    session[key] = stored
    session.save()
    with caplog.at_level(logging.INFO, logger="pathways.portal.views"):
        response = client.get(callback)
    assert response.status_code == 400
    assert "nonce" in caplog.text
    assert SESSION_KEY not in client.session


def test_a_code_from_another_login_is_refused(
    client, oidc, provider_browser, patient, patient_access
):
    """A code made for someone else's session fails PKCE at the token endpoint."""
    stolen = provider_login(Client(), START, pid=patient.national_id, browser=provider_browser)
    mine = provider_login(client, START, pid=patient.national_id, browser=provider_browser)
    code = dict(part.split("=", 1) for part in stolen.split("?", 1)[1].split("&"))["code"]
    state = dict(part.split("=", 1) for part in mine.split("?", 1)[1].split("&"))["state"]
    response = client.get(f"/min/innlogging/idporten/tilbake/?code={code}&state={state}")
    assert response.status_code == 400
    assert SESSION_KEY not in client.session


def test_an_expired_id_token_is_refused(
    client, settings, tmp_path, provider_browser, patient, patient_access, caplog
):
    # The ID token lives one second and reaches us two seconds after it was made.
    provider = start_provider(id_token_ttl=1, token_delay_ms=2100)
    try:
        configure_oidc(settings, provider, tmp_path)
        settings.OIDC_LEEWAY_SECONDS = 0
        callback = provider_login(client, START, pid=patient.national_id, browser=provider_browser)
        with caplog.at_level(logging.INFO, logger="pathways.portal.views"):
            response = client.get(callback)
    finally:
        provider.stop()
    assert response.status_code == 400
    assert "expired" in caplog.text
    assert SESSION_KEY not in client.session


def test_a_login_below_level_high_is_refused(
    client, oidc, provider_browser, patient, patient_access
):
    callback = provider_login(
        client,
        START,
        pid=patient.national_id,
        acr="idporten-loa-substantial",
        browser=provider_browser,
    )
    response = client.get(callback)
    assert response.status_code == 403
    assert "lavere sikkerhetsnivå" in response.content.decode()
    assert SESSION_KEY not in client.session
    patient_access.refresh_from_db()
    assert patient_access.user is None


def test_an_unknown_person_gets_a_clear_page_and_no_account(
    client, oidc, provider_browser, patient, patient_access
):
    users = get_user_model().objects.count()
    callback = provider_login(client, START, pid="01010112345", browser=provider_browser)
    response = client.get(callback)
    assert response.status_code == 403
    text = response.content.decode()
    assert "Vi fant deg ikke i Samhandling" in text
    assert SESSION_KEY not in client.session
    assert get_user_model().objects.count() == users


def test_a_patient_whose_access_is_not_opened_cannot_log_in(
    client, oidc, provider_browser, patient
):
    users = get_user_model().objects.count()
    response = client.get(
        provider_login(client, START, pid=patient.national_id, browser=provider_browser)
    )
    assert response.status_code == 403
    assert get_user_model().objects.count() == users


def test_logout_ends_the_session_here_and_at_id_porten(
    client, oidc, provider_browser, patient, patient_access
):
    client.get(provider_login(client, START, pid=patient.national_id, browser=provider_browser))
    # While the provider session lives, a new login comes straight back without a form.
    url, page = provider_walk(provider_browser, client.get(START)["Location"])
    assert page is None and "code=" in url

    response = client.post("/min/logg-ut/")
    assert response.status_code == 302
    end_session = response["Location"]
    assert end_session.startswith(f"{oidc.issuer}/session/end")
    assert "id_token_hint=" in end_session
    assert client.get("/min/")["Location"] == "/min/innlogging/"

    url, page = provider_walk(provider_browser, end_session)
    action, hidden = form_of(page)
    done = provider_browser.post(urljoin(url, action), data={**hidden, "logout": "yes"})
    assert done.status_code in (302, 303)
    url, page = provider_walk(provider_browser, urljoin(url, done.headers["location"]))
    assert url.startswith("http://testserver/min/logget-ut/")
    assert client.get("/min/logget-ut/").status_code == 200

    # The provider session is gone: the next login asks who the person is again.
    url, page = provider_walk(provider_browser, client.get(START)["Location"])
    assert page is not None and "Fødselsnummer" in page
