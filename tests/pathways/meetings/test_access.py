"""Only the care team sees the group and its meetings: the ladder from every role."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from pathways.access import sync_unit_access
from pathways.models import CareTeamMember
from tests.pathways.meetings.fixtures import *  # noqa: F403  (fixtures)

pytestmark = pytest.mark.django_db


def pages(meeting):
    p, m = meeting.patient_id, meeting.pk
    return [
        reverse("pathways:meetings", args=[p]),
        reverse("pathways:meeting_detail", args=[p, m]),
        reverse("pathways:meeting_ics", args=[p, m]),
        reverse("pathways:minutes_pdf", args=[p, m]),
        reverse("pathways:invitation_pdf", args=[p, m]),
    ]


def edit_pages(meeting):
    p = meeting.patient_id
    return [
        reverse("pathways:meeting_new", args=[p]),
        reverse("pathways:member_add_external", args=[p]),
        reverse("pathways:member_add_internal", args=[p]),
    ]


def test_anonymous_is_sent_to_login(client, held):
    for url in pages(held) + edit_pages(held):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


def test_outsiders_get_404_as_if_nothing_existed(login, other_kommune_user, other_hf_user, held):
    for user in (other_kommune_user, other_hf_user):
        client = login(user)
        for url in pages(held) + edit_pages(held):
            assert client.get(url).status_code == 404, url
        done = reverse("pathways:action_item_done", args=[held.patient_id, 1])
        assert client.post(done).status_code == 404


def test_the_care_team_sees_every_page(login, coordinator, colleague, tsb_clinician, held):
    for user in (coordinator, colleague, tsb_clinician):
        client = login(user)
        for url in pages(held) + edit_pages(held):
            assert client.get(url).status_code == 200, (user, url)


def test_a_unit_kept_informed_reads_but_may_not_change(
    login, tsb_clinician, unn_tsb, shared_patient, held
):
    CareTeamMember.objects.filter(patient=shared_patient, unit=unn_tsb).update(
        role=CareTeamMember.Role.INFORMED
    )
    sync_unit_access(shared_patient, unn_tsb)
    client = login(tsb_clinician)
    for url in pages(held):
        assert client.get(url).status_code == 200, url
    for url in edit_pages(held):
        assert client.get(url).status_code == 403, url
    minutes = reverse("pathways:minutes_edit", args=[held.patient_id, held.pk])
    assert client.post(minutes, {"version": held.version}).status_code == 403
    item = held.action_items.first()
    done = reverse("pathways:action_item_done", args=[held.patient_id, item.pk])
    assert client.post(done).status_code == 403


def test_a_meeting_of_another_patient_is_not_found_under_this_one(
    login, coordinator, vadso_rus, held
):
    from tests.factories import make_patient

    other = make_patient(vadso_rus, by=coordinator)
    url = reverse("pathways:meeting_detail", args=[other.pk, held.pk])
    assert login(coordinator).get(url).status_code == 404


def test_printing_the_minutes_is_logged_as_a_print(login, coordinator, held):
    login(coordinator).get(reverse("pathways:minutes_pdf", args=[held.patient_id, held.pk]))
    event = AuditEvent.objects.filter(patient_id=held.patient_id).latest("at")
    assert event.action == "print"
    assert event.user == coordinator
