"""Break-the-glass: reason, four hours' read access, banner, audit, review, expiry."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from pathways.models import BreakGlassAccess, Patient

pytestmark = pytest.mark.django_db


def overview(patient):
    return reverse("pathways:patient_overview", args=[patient.pk])


def ask(client, patient, **extra):
    data = {
        "national_id": patient.national_id,
        "reason": BreakGlassAccess.Reason.EMERGENCY,
        "explanation": "Pasienten er innlagt akutt og trenger kriseplanen",
    }
    data.update(extra)
    return client.post(reverse("pathways:break_glass"), data)


def test_the_lookup_offers_emergency_access_without_revealing_details(
    login, other_kommune_user, patient
):
    response = login(other_kommune_user).post(
        reverse("pathways:lookup"), {"national_id": patient.national_id}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert reverse("pathways:break_glass") in page
    assert patient.last_name not in page


def test_the_lookup_opens_patients_the_unit_already_follows(login, coordinator, patient):
    response = login(coordinator).post(
        reverse("pathways:lookup"), {"national_id": patient.national_id}
    )
    assert response.status_code == 302
    assert response["Location"] == overview(patient)


def test_registering_a_known_person_offers_emergency_access(login, other_kommune_user, patient):
    response = login(other_kommune_user).post(
        reverse("pathways:patient_new"),
        {"national_id": patient.national_id, "first_name": "Ola", "last_name": "Nordmann"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert reverse("pathways:break_glass") in page
    assert Patient.objects.filter(national_id=patient.national_id).count() == 1
    assert str(patient.birth_date.year) not in page


def test_a_granted_access_opens_the_record_with_a_banner_and_audit(
    login, other_kommune_user, sarpsborg_rus, patient
):
    client = login(other_kommune_user)
    assert client.get(overview(patient)).status_code == 404
    response = ask(client, patient)
    assert response.status_code == 302
    assert response["Location"] == overview(patient)
    grant = BreakGlassAccess.objects.get(patient=patient, user=other_kommune_user)
    assert grant.unit == sarpsborg_rus
    assert (
        timedelta(hours=3, minutes=59) < grant.expires_at - grant.granted_at <= timedelta(hours=4)
    )
    event = AuditEvent.objects.get(patient_id=patient.pk, action="break_glass")
    assert event.user == other_kommune_user
    assert "innlagt akutt" in event.detail

    page = client.get(overview(patient))
    assert page.status_code == 200
    assert "banner--warning" in page.content.decode()
    view = AuditEvent.objects.filter(patient_id=patient.pk, action="view").first()
    assert view.basis == "break_glass"
    assert view.user == other_kommune_user


def test_emergency_access_is_for_that_user_alone(login, other_kommune_user, sarpsborg_rus, patient):
    from tests.factories import make_user

    ask(login(other_kommune_user), patient)
    colleague_in_sarpsborg = make_user(sarpsborg_rus)
    assert login(colleague_in_sarpsborg).get(overview(patient)).status_code == 404


def test_emergency_access_expires_by_itself(login, break_glass_user, patient):
    client = login(break_glass_user)
    assert client.get(overview(patient)).status_code == 200
    BreakGlassAccess.objects.filter(patient=patient).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(overview(patient)).status_code == 404


def test_emergency_access_needs_an_explanation(login, other_kommune_user, patient):
    response = ask(login(other_kommune_user), patient, explanation="   ")
    assert response.status_code == 200
    assert not BreakGlassAccess.objects.exists()
    assert response.context["form"].errors["explanation"]


def test_an_unknown_number_gets_a_message_not_an_error(login, other_kommune_user):
    import datetime

    from pathways.patients.demo_ids import synthetic_id

    number = synthetic_id(datetime.date(1970, 5, 5), serial=7)
    response = login(other_kommune_user).post(
        reverse("pathways:break_glass"),
        {
            "national_id": number,
            "reason": "emergency",
            "explanation": "Akutt innlagt, trenger kriseplanen nå",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["national_id"]


def test_the_leader_reviews_emergency_access_of_the_unit(
    login, break_glass_user, sarpsborg_rus, patient
):
    from accounts.models import Membership
    from tests.factories import make_user

    leader = make_user(sarpsborg_rus, Membership.Role.LEADER)
    client = login(leader)
    page = client.get(reverse("breakglass_review"))
    assert page.status_code == 200
    assert "Innlagt akutt" in page.content.decode()
    grant = BreakGlassAccess.objects.get()
    response = client.post(
        reverse("breakglass_review_mark", args=[grant.pk]), {"note": "Begrunnet"}
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.reviewed_by == leader
    assert grant.review_note == "Begrunnet"
    assert "Innlagt akutt" not in client.get(reverse("breakglass_review")).content.decode()


def test_only_leaders_see_the_review_list(login, break_glass_user, coordinator, leader):
    assert login(break_glass_user).get(reverse("breakglass_review")).status_code == 403
    # Vadsø's leader sees only Vadsø's grants, and Sarpsborg's grant is not Vadsø's.
    response = login(leader).get(reverse("breakglass_review"))
    assert response.status_code == 200
    assert "Innlagt akutt" not in response.content.decode()
    grant = BreakGlassAccess.objects.get()
    assert login(leader).post(reverse("breakglass_review_mark", args=[grant.pk])).status_code == 404
