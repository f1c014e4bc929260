"""The demo's password login to /min/ exists only with DEMO_PORTAL_LOGIN, and only with DEBUG."""

import secrets

import pytest
from django.contrib.auth import SESSION_KEY

from pathways.portal.services import portal_login
from tests.accounts.test_settings_and_health import run_python

pytestmark = pytest.mark.django_db

URL = "/min/innlogging/demo/"
PASSWORD = "et-demo-passord"  # noqa: S105 - a test account's password


@pytest.fixture
def demo_user(patient_access):
    """The patient's account with a demo password, as ``seed_demo`` makes it."""
    user = portal_login(portal_access=patient_access, level="demo", method="test")
    user.set_password(PASSWORD)
    user.save()
    return user


def test_the_demo_login_works_when_it_is_on(client, settings, demo_user):
    settings.DEMO_PORTAL_LOGIN = True
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"username": demo_user.username, "password": PASSWORD})
    assert response["Location"] == "/min/"
    assert int(client.session[SESSION_KEY]) == demo_user.pk
    assert client.get("/min/").status_code == 200


def test_the_demo_login_answers_404_when_it_is_off(client, settings, demo_user):
    settings.DEMO_PORTAL_LOGIN = False
    assert client.get(URL).status_code == 404
    response = client.post(URL, {"username": demo_user.username, "password": PASSWORD})
    assert response.status_code == 404
    assert SESSION_KEY not in client.session
    # The login page does not offer it either.
    assert URL not in client.get("/min/innlogging/").content.decode()


def test_the_settings_refuse_the_demo_login_without_debug():
    result = run_python(
        "import django; django.setup()",
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="samhandling.example.no",
        DEMO_PORTAL_LOGIN="true",
    )
    assert result.returncode != 0
    assert "DEMO_PORTAL_LOGIN is for the demo only" in result.stderr


def test_the_settings_allow_the_demo_login_with_debug():
    result = run_python(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DEMO_PORTAL_LOGIN)",
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="true",
        DEMO_PORTAL_LOGIN="true",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
