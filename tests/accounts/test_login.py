"""Logging in: one message for every failure, lockout, idle expiry, TOTP second factor."""

import datetime
import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password-1"
LOGIN = "/accounts/login/"


def post_login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def code_for(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_a_user_logs_in_and_lands_on_til_behandling(client, coordinator):
    response = post_login(client, coordinator.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home") == "/"
    assert "<h1>Til behandling" in client.get("/").content.decode()


def test_unknown_user_and_wrong_password_get_the_same_message(client, coordinator):
    unknown = post_login(client, "finnes-ikke", "whatever-password")
    wrong = post_login(client, coordinator.username, "wrong-password")
    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()
    assert "Feil brukernavn eller passord." in unknown.content.decode()


def test_repeated_failures_lock_the_account_even_with_the_right_password(client, coordinator):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, coordinator.username, "wrong-password")
    locked = post_login(client, coordinator.username, PASSWORD)
    assert locked.status_code == 429
    assert "For mange forsøk" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_looks_the_same_for_unknown_users(client, coordinator):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "finnes-ikke", "wrong-password")
        post_login(client, coordinator.username, "wrong-password")
    unknown = post_login(client, "finnes-ikke", "wrong-password")
    known = post_login(client, coordinator.username, PASSWORD)
    assert unknown.status_code == known.status_code == 429

    def without_tokens(response):
        return re.sub(r"[A-Za-z0-9]{32,}", "", response.content.decode())

    assert without_tokens(unknown) == without_tokens(known)


def test_a_lockout_for_one_user_leaves_others_alone(client, coordinator, colleague):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, coordinator.username, "wrong-password")
    assert post_login(client, colleague.username, PASSWORD).status_code == 302


def test_sessions_end_after_30_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    # As configured (the tests themselves renew only when they ask for it).
    from config import settings as configured

    assert configured.SESSION_RENEW_SECONDS <= 60


def test_a_request_renews_the_idle_window_at_most_once_a_minute(
    client, coordinator, django_assert_num_queries
):
    post_login(client, coordinator.username, PASSWORD)
    client.get("/_floor/")
    key = client.session.session_key
    # Nearly idle for the whole window: the next request moves the expiry 30 minutes ahead.
    soon = timezone.now() + datetime.timedelta(seconds=30)
    Session.objects.filter(session_key=key).update(expire_date=soon)
    session = client.session
    session["_renewed_at"] = session["_renewed_at"] - settings.SESSION_RENEW_SECONDS
    session.save()
    Session.objects.filter(session_key=key).update(expire_date=soon)
    client.get("/_floor/")
    renewed = Session.objects.get(session_key=key).expire_date
    assert renewed > timezone.now() + datetime.timedelta(minutes=29)
    # Within the minute a request reads the session and writes nothing.
    with django_assert_num_queries(2):  # the session and the user
        assert client.get("/_floor/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date == renewed


def test_a_visitor_without_a_session_gets_none(client):
    client.get(reverse("login"))
    assert not Session.objects.exists()


def test_an_idle_session_is_logged_out(client, coordinator):
    post_login(client, coordinator.username, PASSWORD)
    assert client.get("/pasienter/").status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get("/pasienter/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_user_enrols_a_totp_device(client, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("otp_enrol"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    wrong = client.post(reverse("otp_enrol"), {"token": "000000", "password": PASSWORD})
    assert "Koden er feil eller utløpt" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code makes the next try wait a second
    response = client.post(reverse("otp_enrol"), {"token": code_for(device), "password": PASSWORD})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed


@pytest.fixture
def otp_user(coordinator):
    device = TOTPDevice.objects.create(user=coordinator, name="telefon", confirmed=True)
    return coordinator, device


def test_a_user_with_a_device_must_give_a_code_at_login(client, otp_user):
    user, device = otp_user
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("otp_verify")
    assert "_auth_user_id" not in client.session
    assert client.get("/pasienter/").status_code == 302
    wrong = client.post(reverse("otp_verify"), {"token": "12345"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("otp_verify"), {"token": code_for(device)})
    assert response.status_code == 302
    assert client.get("/pasienter/").status_code == 200


def test_too_many_wrong_codes_start_the_login_over(client, otp_user):
    user, _ = otp_user
    post_login(client, user.username, PASSWORD)
    for _ in range(5):
        response = client.post(reverse("otp_verify"), {"token": "000000"})
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("otp_verify")).status_code == 302


@pytest.fixture
def staff(vadso_rus):
    return make_user(vadso_rus, username="drift", is_staff=True, is_superuser=True)


def test_admin_requires_a_second_factor_when_the_setting_is_on(client, staff, settings):
    settings.REQUIRE_ADMIN_OTP = True
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow.status_code == 302
    assert follow["Location"].startswith(reverse("otp_enrol"))


def test_admin_opens_after_the_second_factor(client, staff, settings):
    settings.REQUIRE_ADMIN_OTP = True
    device = TOTPDevice.objects.create(user=staff, name="telefon", confirmed=True)
    post_login(client, staff.username, PASSWORD)
    client.post(reverse("otp_verify"), {"token": code_for(device)})
    assert client.get("/admin/").status_code == 200


def test_admin_without_the_setting_needs_only_the_password(client, staff, settings):
    settings.REQUIRE_ADMIN_OTP = False
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_form_is_the_apps_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_the_lockout_is_per_username_whatever_the_address(client, coordinator):
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": coordinator.username, "password": "wrong-password"},
            REMOTE_ADDR=f"198.51.100.{n + 1}",
        )
    locked = client.post(
        LOGIN,
        {"username": coordinator.username, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.77",
    )
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_on_other_usernames_from_one_address_do_not_lock_a_user(client, coordinator):
    for n in range(settings.AXES_FAILURE_LIMIT + 2):
        post_login(client, f"someone-else-{n}", "wrong-password")
    assert post_login(client, coordinator.username, PASSWORD).status_code == 302
