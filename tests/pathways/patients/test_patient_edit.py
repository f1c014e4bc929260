"""Editing a patient's details: a stale form never overwrites what someone else saved."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _save(client, patient, version, **changes):
    data = {
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "phone": patient.phone,
        "address": patient.address,
        "version": version,
    }
    data.update(changes)
    return client.post(reverse("pathways:patient_edit", args=[patient.pk]), data)


def test_two_saves_from_the_same_stale_form_never_overwrite(login, coordinator, colleague, patient):
    opened = patient.version
    assert _save(login(colleague), patient, opened, phone="90000001").status_code == 302
    client = login(coordinator)
    stale = _save(client, patient, opened, address="Storgata 1")
    assert stale.status_code == 200
    patient.refresh_from_db()
    assert (patient.phone, patient.address) == ("90000001", "")
    page = stale.content.decode()
    assert "notice--conflict" in page
    assert "90000001" in page  # the colleague's number, beside
    assert 'value="Storgata 1"' in page  # what was typed, kept
    again = _save(client, patient, opened, address="Storgata 1")
    assert again.status_code == 200
    assert "notice--conflict" in again.content.decode()
    patient.refresh_from_db()
    assert patient.address == ""
    rebased = stale.context["form"]["version"].value()
    assert int(rebased) == patient.version
    response = _save(client, patient, rebased, phone="90000001", address="Storgata 1")
    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.phone, patient.address) == ("90000001", "Storgata 1")
