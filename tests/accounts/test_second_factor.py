"""Changing the second factor: the password again, recovery codes, and a reset by a leader."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import otp
from accounts.models import AuditEvent, Membership
from tests.factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password-1"


def code_for(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrol(client, user):
    client.force_login(user)
    client.get(reverse("otp_enrol"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("otp_enrol"), {"token": code_for(device), "password": PASSWORD})
    assert response.status_code == 302
    return device


def test_enrolling_asks_for_the_password(client, coordinator):
    client.force_login(coordinator)
    client.get(reverse("otp_enrol"))
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    response = client.post(reverse("otp_enrol"), {"token": code_for(device), "password": "nope"})
    assert response.status_code == 200
    assert "Passordet er feil." in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not otp.has_device(coordinator)


def test_recovery_codes_are_shown_once_and_work_once(client, coordinator):
    enrol(client, coordinator)
    page = client.get(reverse("otp_enrol")).content.decode()
    tokens = list(
        StaticToken.objects.filter(device__user=coordinator).values_list("token", flat=True)
    )
    assert len(tokens) == otp.RECOVERY_CODES
    assert all(otp.show_code(t) in page for t in tokens)
    again = client.get(reverse("otp_enrol")).content.decode()
    assert not any(otp.show_code(t) in again for t in tokens)
    # Log in with the password and one recovery code (spaces and case as the user types).
    client.logout()
    client.post(reverse("login"), {"username": coordinator.username, "password": PASSWORD})
    typed = otp.show_code(tokens[0]).upper()
    response = client.post(reverse("otp_verify"), {"token": typed})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    assert not StaticToken.objects.filter(token=tokens[0]).exists()
    client.logout()
    client.post(reverse("login"), {"username": coordinator.username, "password": PASSWORD})
    reused = client.post(reverse("otp_verify"), {"token": tokens[0]})
    assert reused.status_code == 200 and "_auth_user_id" not in client.session


def test_new_recovery_codes_need_the_password(client, coordinator):
    enrol(client, coordinator)
    old = set(StaticToken.objects.values_list("token", flat=True))
    wrong = client.post(reverse("otp_recovery_new"), {"password": "nope"})
    assert wrong.status_code == 200
    assert set(StaticToken.objects.values_list("token", flat=True)) == old
    assert client.post(reverse("otp_recovery_new"), {"password": PASSWORD}).status_code == 302
    assert not old & set(StaticToken.objects.values_list("token", flat=True))


def test_turning_it_off_needs_the_password_and_is_audited(client, coordinator):
    enrol(client, coordinator)
    assert client.post(reverse("otp_remove"), {"password": "nope"}).status_code == 200
    assert otp.has_device(coordinator)
    assert client.post(reverse("otp_remove"), {"password": PASSWORD}).status_code == 302
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert not StaticDevice.objects.filter(user=coordinator).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE, object_id=str(coordinator.pk))
    assert event.user == coordinator and event.basis == AuditEvent.Basis.ADMIN


def test_a_leader_resets_a_member_who_lost_the_phone(client, coordinator, leader, vadso_rus):
    enrol(client, coordinator)
    client.logout()
    client.force_login(leader)
    page = client.get(reverse("otp_reset"))
    assert page.status_code == 200 and coordinator.username in page.content.decode()
    response = client.post(reverse("otp_reset"), {"user": coordinator.pk})
    assert response.status_code == 302
    assert not otp.has_device(coordinator)
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE, object_id=str(coordinator.pk))
    assert event.user == leader and event.unit == vadso_rus


def test_only_leaders_of_the_users_unit_or_superusers_reset(
    client, coordinator, colleague, other_kommune_user, sarpsborg_rus
):
    TOTPDevice.objects.create(user=coordinator, name="app", confirmed=True)
    client.force_login(colleague)
    assert client.get(reverse("otp_reset")).status_code == 403
    assert client.post(reverse("otp_reset"), {"user": coordinator.pk}).status_code == 403
    other_leader = make_user(sarpsborg_rus, Membership.Role.LEADER)
    client.force_login(other_leader)
    assert coordinator.username not in client.get(reverse("otp_reset")).content.decode()
    assert client.post(reverse("otp_reset"), {"user": coordinator.pk}).status_code == 403
    assert otp.has_device(coordinator)
    admin = make_user(None, username="admin-reset", is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert client.post(reverse("otp_reset"), {"user": coordinator.pk}).status_code == 302
    assert not otp.has_device(coordinator)


def test_a_leader_cannot_reset_an_administrator(client, leader, vadso_rus):
    staff = make_user(vadso_rus, username="staff-member", is_staff=True)
    TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    client.force_login(leader)
    assert client.post(reverse("otp_reset"), {"user": staff.pk}).status_code == 403
    assert client.post(reverse("otp_reset"), {"user": leader.pk}).status_code == 403
    assert client.post(reverse("otp_reset"), {"user": "9" * 40}).status_code == 403
    assert otp.has_device(staff)
