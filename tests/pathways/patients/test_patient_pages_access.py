"""The access ladder for every patient page, from every role."""

import pytest
from django.urls import reverse

from pathways.models import CareTeamMember

pytestmark = pytest.mark.django_db

READ_PAGES = [
    "patient_overview",
    "next_of_kin_list",
    "consent_list",
    "care_team",
    "access_log",
    "access_log_pdf",
]
EDIT_PAGES = [
    "patient_edit",
    "next_of_kin_new",
    "next_of_kin_edit",
    "next_of_kin_delete",
    "consent_new",
    "care_team_add",
    "care_team_end",
]
ALL_PAGES = READ_PAGES + EDIT_PAGES


@pytest.fixture
def url_for(shared_patient, next_of_kin, vadso_rus):
    member = CareTeamMember.objects.get(patient=shared_patient, unit=vadso_rus, ended_at=None)
    extra = {
        "next_of_kin_edit": {"nok_id": next_of_kin.pk},
        "next_of_kin_delete": {"nok_id": next_of_kin.pk},
        "care_team_end": {"member_id": member.pk},
    }

    def build(name):
        kwargs = {"patient_id": shared_patient.pk, **extra.get(name, {})}
        return reverse(f"pathways:{name}", kwargs=kwargs)

    return build


@pytest.mark.parametrize("name", ALL_PAGES)
def test_anonymous_visitors_are_sent_to_login(client, url_for, name):
    response = client.get(url_for(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ALL_PAGES)
def test_another_kommune_gets_404(login, other_kommune_user, url_for, name):
    assert login(other_kommune_user).get(url_for(name)).status_code == 404


@pytest.mark.parametrize("name", ALL_PAGES)
def test_another_helseforetak_gets_404(login, other_hf_user, url_for, name):
    assert login(other_hf_user).get(url_for(name)).status_code == 404


@pytest.mark.parametrize("name", ALL_PAGES)
def test_the_same_unit_opens_every_page(login, colleague, url_for, name):
    assert login(colleague).get(url_for(name)).status_code == 200


@pytest.mark.parametrize("name", READ_PAGES)
def test_a_unit_kept_informed_reads(login, informed_user, url_for, name):
    assert login(informed_user).get(url_for(name)).status_code == 200


@pytest.mark.parametrize("name", EDIT_PAGES)
def test_a_unit_kept_informed_may_not_edit(login, informed_user, url_for, name):
    assert login(informed_user).get(url_for(name)).status_code == 403


@pytest.mark.parametrize("name", READ_PAGES)
def test_emergency_access_reads(login, break_glass_user, url_for, name):
    assert login(break_glass_user).get(url_for(name)).status_code == 200


@pytest.mark.parametrize("name", EDIT_PAGES)
def test_emergency_access_may_not_edit(login, break_glass_user, url_for, name):
    assert login(break_glass_user).get(url_for(name)).status_code == 403


def test_read_only_users_may_not_post_changes(login, informed_user, shared_patient, url_for):
    client = login(informed_user)
    consent = shared_patient.consents.get()
    withdraw = reverse("pathways:consent_withdraw", args=[shared_patient.pk, consent.pk])
    assert client.post(withdraw).status_code == 403
    assert client.post(url_for("next_of_kin_delete")).status_code == 403
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_objects_of_another_patient_are_not_found(login, colleague, vadso_rus, coordinator):
    from pathways.models import NextOfKin
    from tests.factories import make_patient

    first = make_patient(vadso_rus, by=coordinator)
    second = make_patient(vadso_rus, by=coordinator)
    nok = NextOfKin.objects.create(patient=second, name="Per", relation="Bror")
    url = reverse("pathways:next_of_kin_edit", args=[first.pk, nok.pk])
    assert login(colleague).get(url).status_code == 404
