"""Choosing the unit one acts for (the header's unit switch)."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.units import SESSION_KEY
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_units(vadso_rus, unn_tsb):
    from tests.factories import membership_add

    user = make_user(vadso_rus)
    membership_add(user=user, unit=unn_tsb, role=Membership.Role.CLINICIAN)
    return user


def test_a_user_switches_to_another_of_their_units(client, two_units, unn_tsb):
    client.force_login(two_units)
    membership = Membership.objects.get(user=two_units, unit=unn_tsb)
    response = client.post(
        reverse("choose_unit"), {"membership": membership.pk, "next": "/pasienter/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/pasienter/"
    assert client.session[SESSION_KEY] == membership.pk
    page = client.get("/pasienter/").content.decode()
    assert "TSB døgn" in page


def test_a_unit_that_is_not_ones_own_is_refused(client, two_units, coordinator):
    client.force_login(two_units)
    other = Membership.objects.get(user=coordinator)
    response = client.post(
        reverse("choose_unit"), {"membership": other.pk, "next": "https://evil.example/"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["membership"]
    assert SESSION_KEY not in client.session
    assert 'href="https://evil.example/"' not in response.content.decode()


def test_the_staff_backend_reads_the_user_with_their_active_memberships_at_once(
    two_units, django_assert_num_queries
):
    from accounts.backends import StaffBackend

    with django_assert_num_queries(1):
        user = StaffBackend().get_user(two_units.pk)
        units = [m.unit.name for m in user.active_memberships]
        organisations = {m.unit.organisation.name for m in user.active_memberships}
    assert user == two_units and len(units) == 2 and len(organisations) == 2
    assert all(m.user is user for m in user.active_memberships)


def test_an_ended_membership_is_not_among_them_and_a_user_without_one_still_loads(
    two_units, unn_tsb, django_assert_num_queries
):
    import datetime

    from django.utils import timezone

    from accounts.backends import StaffBackend

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Membership.objects.filter(user=two_units, unit=unn_tsb).update(
        active_from=yesterday, active_to=yesterday
    )
    shown = [m.unit for m in StaffBackend().get_user(two_units.pk).active_memberships]
    assert len(shown) == 1 and unn_tsb not in shown
    Membership.objects.filter(user=two_units).delete()
    with django_assert_num_queries(2):  # no memberships: the user is read on its own
        user = StaffBackend().get_user(two_units.pk)
    assert user == two_units and user.active_memberships == []
