"""Every ``next``/redirect parameter and the login form, fuzzed: nothing answers 500, and a
redirect only ever leads to a path on this site."""

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts import otp
from tests.security.endpoints import OBJECTS, Cast, all_endpoints, build_url

pytestmark = pytest.mark.django_db

BAD_NEXT = [
    "foo",
    "pathways:patient_list",
    "admin:index",
    "",
    " ",
    "//evil.example/",
    "///evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>",
    "/%2F%2Fevil.example",
    "/pasienter/\r\nSet-Cookie: x=1",
    "/pasienter/\x00",
    "..",
    "ø/æ",
    "/" + "a" * 5000,
    "%",
    "?next=//evil.example",
]


def _assert_safe(response, label):
    assert response.status_code < 500, f"{label}: {response.status_code}"
    if response.status_code in (301, 302, 303):
        location = response["Location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\")), (
            f"{label}: redirected to {location!r}"
        )


def _post_endpoint(name: str, cast: Cast) -> str:
    (endpoint,) = [e for e in all_endpoints() if e.name == name]
    return build_url(endpoint, cast)


@pytest.mark.parametrize("value", BAD_NEXT, ids=repr)
def test_next_parameters_never_fail_or_leave_the_site(value, cast):
    client = Client()
    _assert_safe(client.get(reverse("login"), {"next": value}), "GET login")
    _assert_safe(
        client.post(
            reverse("login") + "?next=x",
            {"username": cast.coordinator.username, "password": "wrong", "next": value},
        ),
        "POST login",
    )
    client.force_login(cast.coordinator)
    membership = cast.coordinator.memberships.first().pk
    for url, data in [
        (reverse("choose_unit"), {"membership": membership}),
        (reverse("choose_unit"), {"membership": "x"}),
        (reverse("notifications:read_all"), {}),
        (reverse("notifications:read", args=[OBJECTS["notification_id"](cast)]), {}),
        (_post_endpoint("pathways:plan_measure_done", cast), {}),
        (_post_endpoint("pathways:action_item_done", cast), {}),
        (reverse("otp_enrol"), {"token": "123456"}),
    ]:
        _assert_safe(client.post(url, {**data, "next": value}), f"POST {url}")
    _assert_safe(client.get(reverse("otp_verify"), {"next": value}), "GET otp_verify")
    _assert_safe(client.get(reverse("otp_enrol"), {"next": value}), "GET otp_enrol")


@pytest.mark.parametrize("value", BAD_NEXT, ids=repr)
def test_login_with_a_second_factor_keeps_only_a_safe_next(value, client, coordinator):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=coordinator, name="app", confirmed=True)
    response = client.post(
        reverse("login") + "?" + urlencode({"next": value}),
        {"username": coordinator.username, "password": "a-long-test-password-1"},
    )
    _assert_safe(response, "login")
    pending = client.session[otp.PENDING_KEY]["next"]
    assert pending.startswith("/") and not pending.startswith("//"), pending


USERNAMES = [
    "a" * 150,
    "a" * 151,
    "a" * 255,
    "a" * 256,
    "æøå" * 100,
    "a" * 10_000,
    "\x00",
    "admin\x00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    " ",
    "\u202e",
]


@pytest.mark.parametrize("username", USERNAMES, ids=lambda u: f"{u[:12]!r}×{len(u)}")
def test_the_login_form_never_fails(username, client):
    response = client.post(reverse("login"), {"username": username, "password": "x" * 300})
    assert response.status_code in (200, 429), response.status_code


def test_a_too_long_username_gets_the_usual_message(client):
    response = client.post(reverse("login"), {"username": "a" * 300, "password": "whatever"})
    assert response.status_code == 200
    assert "Feil brukernavn eller passord." in response.content.decode()


def test_repeated_long_usernames_do_not_fail_either(client):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        response = client.post(reverse("login"), {"username": "b" * 400, "password": "x"})
        assert response.status_code in (200, 429)
