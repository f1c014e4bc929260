"""Staff log in with HelseID (private_key_jwt, PKCE) against a real OpenID provider process."""

import pytest
from django.contrib.auth import SESSION_KEY

from accounts.models import UserIdentity
from tests.oidc_provider import provider_login

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
