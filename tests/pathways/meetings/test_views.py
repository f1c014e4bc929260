"""The meeting pages as forms: plain posts, Norwegian messages beside the fields, no 500."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.acting import Actor
from pathways.models import GroupMember, Meeting, ResponsibilityGroup
from tests.pathways.meetings.fixtures import *  # noqa: F403  (fixtures)
from tests.pathways.meetings.fixtures import at

pytestmark = pytest.mark.django_db


def test_a_koordinator_creates_the_group_from_the_page(login, coordinator, shared_patient):
    client = login(coordinator)
    url = reverse("pathways:meetings", args=[shared_patient.pk])
    assert "Opprett ansvarsgruppe" in client.get(url).content.decode()
    response = client.post(
        reverse("pathways:group_create", args=[shared_patient.pk]),
        {"patient_say": "Vil ha med mor."},
    )
    assert response.status_code == 302
    created = ResponsibilityGroup.objects.get(patient=shared_patient)
    assert created.leader == coordinator and created.patient_say == "Vil ha med mor."


def test_an_external_participant_form_keeps_the_input_and_explains(login, coordinator, group):
    url = reverse("pathways:member_add_external", args=[group.patient_id])
    response = login(coordinator).post(
        url,
        {"person": "new", "person_name": "Mor Nordmann", "basis": "consent", "person_email": "nei"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Mor Nordmann"' in html
    assert "Skriv hva pasienten har samtykket til, og når." in html
    assert "gyldig e-postadresse" in html


def test_adding_a_care_team_colleague(login, coordinator, colleague, vadso_rus, group):
    from accounts.models import Membership

    membership = Membership.objects.get(user=colleague, unit=vadso_rus)
    url = reverse("pathways:member_add_internal", args=[group.patient_id])
    response = login(coordinator).post(
        url, {"membership": membership.pk, "patient_view": "agreed", "basis_note": ""}
    )
    assert response.status_code == 302
    assert group.members.active().filter(user=colleague, unit=vadso_rus).exists()


def test_planning_a_meeting_through_the_form(login, coordinator, group):
    url = reverse("pathways:meeting_new", args=[group.patient_id])
    day = timezone.localdate() + datetime.timedelta(days=10)
    response = login(coordinator).post(
        url,
        {
            "date": day.isoformat(),
            "time": "13:30",
            "duration_minutes": "60",
            "place": "",
            "digital_link": "https://meet.example.no/x",
            "agenda": "Bolig\n\nArbeid\n",
            "invite": [m.pk for m in group.members.all()],
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(group=group)
    assert timezone.localtime(meeting.starts_at).strftime("%H:%M") == "13:30"
    assert [a.title for a in meeting.agenda.all()] == ["Bolig", "Arbeid"]


@pytest.mark.parametrize(
    "data",
    [
        {"time": ""},
        {"date": "32.13.2026", "time": "25:99", "duration_minutes": "-1"},
        {"date": "2026-05-01", "time": "10:00", "duration_minutes": "60", "invite": ["999999"]},
        {"date": "2026-05-01", "time": "10:00", "duration_minutes": "x" * 300, "place": "a"},
        {"date": "2026-05-01", "time": "10:00", "duration_minutes": "60", "digital_link": "nope"},
    ],
)
def test_bad_meeting_input_is_answered_with_messages_not_errors(login, coordinator, group, data):
    url = reverse("pathways:meeting_new", args=[group.patient_id])
    response = login(coordinator).post(url, data)
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not Meeting.objects.exists()


def test_the_place_or_link_message_is_in_norwegian(login, coordinator, group):
    url = reverse("pathways:meeting_new", args=[group.patient_id])
    response = login(coordinator).post(
        url, {"date": "2026-05-01", "time": "10:00", "duration_minutes": "60"}
    )
    assert "Oppgi et sted, en lenke til digitalt møte eller begge." in response.content.decode()


def test_minutes_through_the_form_and_a_stale_save_keeps_the_text(
    login, coordinator, colleague, begun
):
    planned = begun
    url = reverse("pathways:minutes_edit", args=[planned.patient_id, planned.pk])
    item = planned.agenda.first()
    nina = planned.group.members.get(name="Nina NAV")
    data = {
        "version": planned.version,
        f"attendance_{nina.pk}": "excused",
        f"notes_{item.pk}": "Leilighet i sentrum.",
        f"decision_{item.pk}": "Søke bostøtte.",
        "general_notes": "",
    }
    assert login(colleague).post(url, data).status_code == 302
    stale = dict(data, **{f"notes_{item.pk}": "Min egen tekst."})
    response = login(coordinator).post(url, stale)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Min egen tekst." in html
    assert "lagret referatet mens du skrev" in html
    item.refresh_from_db()
    assert item.notes == "Leilighet i sentrum."


def test_published_minutes_refuse_edits_through_the_pages(login, coordinator, published):
    client = login(coordinator)
    item = published.agenda.first()
    url = reverse("pathways:minutes_edit", args=[published.patient_id, published.pk])
    response = client.post(
        url, {"version": published.version, f"notes_{item.pk}": "Endret"}, follow=True
    )
    assert "Referatet er publisert og kan ikke lenger endres" in response.content.decode()
    item.refresh_from_db()
    assert item.notes != "Endret"
    add = reverse("pathways:action_item_add", args=[published.patient_id, published.pk])
    client.post(add, {"action-what": "Nytt", "action-responsible": "", "action-due_date": ""})
    assert published.action_items.count() == 2


def test_an_addendum_through_the_page(login, coordinator, published):
    url = reverse("pathways:addendum_add", args=[published.patient_id, published.pk])
    response = login(coordinator).post(url, {"text": "Rettelse: Nina var til stede."}, follow=True)
    html = response.content.decode()
    assert "Rettelse: Nina var til stede." in html
    assert "Kari" in html


def test_adding_an_action_item_needs_a_responsible_and_a_date(login, coordinator, held):
    url = reverse("pathways:action_item_add", args=[held.patient_id, held.pk])
    response = login(coordinator).post(url, {"action-what": "Ringe fastlege"})
    assert response.status_code == 200
    assert 'value="Ringe fastlege"' in response.content.decode()
    assert held.action_items.count() == 2


def test_publishing_through_the_page_suggests_a_date(login, coordinator, held):
    url = reverse("pathways:minutes_publish", args=[held.patient_id, held.pk])
    client = login(coordinator)
    page = client.get(url).content.decode()
    assert "Foreslått dato for neste møte" in page
    response = client.post(url, {"version": held.version, "next_meeting_proposed": "2030-03-04"})
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.is_published and held.next_meeting_proposed == datetime.date(2030, 3, 4)


def test_the_overview_shows_the_next_meeting_and_open_items(
    login, coordinator, published, planned, group, vadso_rus
):
    from pathways.meetings import services as svc

    upcoming = svc.meeting_plan(
        group=group, actor=Actor(coordinator, vadso_rus), starts_at=at(20), place="Rådhuset"
    )
    html = (
        login(coordinator)
        .get(reverse("pathways:patient_overview", args=[group.patient_id]))
        .content.decode()
    )
    assert timezone.localtime(upcoming.starts_at).strftime("%-d.%-m.%Y") in html
    assert "2 åpne oppfølgingspunkter" in html
    assert "Søke om bostøtte" in html


def test_the_group_page_costs_the_same_with_many_meetings(
    login, coordinator, group, vadso_rus, django_assert_max_num_queries
):
    from pathways.meetings import services as svc

    client = login(coordinator)
    url = reverse("pathways:meetings", args=[group.patient_id])
    svc.meeting_plan(group=group, actor=Actor(coordinator, vadso_rus), starts_at=at(1), place="A")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(10):
        svc.meeting_plan(
            group=group,
            actor=Actor(coordinator, vadso_rus),
            starts_at=at(-30 - n),
            place="B",
            invite=[],
        )
    # One query per meeting would be 10+ more here.
    with django_assert_max_num_queries(len(one)):
        client.get(url)
    assert GroupMember.objects.filter(group=group).count() == 4


def test_cancelling_through_the_page(login, coordinator, planned, held):
    client = login(coordinator)
    url = reverse("pathways:meeting_cancel", args=[held.patient_id, held.pk])
    # A held meeting cannot be cancelled: the service says so on the form.
    response = client.post(url, {"reason": "Syk"})
    assert response.status_code == 200
    assert "Bare planlagte møter kan avlyses." in response.content.decode()
    held.refresh_from_db()
    assert held.state == Meeting.State.HELD
    other = svc_plan(planned.group, coordinator)
    url = reverse("pathways:meeting_cancel", args=[other.patient_id, other.pk])
    assert "Avlys møtet" in client.get(url).content.decode()
    assert client.post(url, {"reason": "Syk"}).status_code == 302
    other.refresh_from_db()
    assert other.state == Meeting.State.CANCELLED and other.cancel_reason == "Syk"


def svc_plan(group, coordinator):
    from pathways.meetings import services as svc

    unit = group.members.get(user=coordinator).unit
    return svc.meeting_plan(group=group, actor=Actor(coordinator, unit), starts_at=at(9), place="A")


def test_the_overviews_open_items_come_with_the_group_in_one_query(
    rf, coordinator, published, group, vadso_rus, django_assert_num_queries
):
    from pathways.meetings.section import section
    from pathways.models import ActionItem

    external = GroupMember.objects.filter(group=group, user__isnull=True).first()
    item = ActionItem.objects.filter(patient_id=group.patient_id).first()
    ActionItem.objects.filter(pk=item.pk).update(
        responsible_user=None, responsible_external=external
    )
    request = rf.get("/")
    request.actor = Actor(coordinator, vadso_rus)
    with django_assert_num_queries(1):
        shown = section(request, group.patient)
    expected = (
        ActionItem.objects.open()
        .filter(patient_id=group.patient_id, meeting__published_at__isnull=False)
        .order_by("due_date", "id")[:5]
    )

    def line(i):
        return (i.pk, i.what, i.responsible_name, i.due_date, i.is_overdue)

    assert [line(i) for i in shown["meetings_open_items"]] == [line(i) for i in expected]
    assert external is not None and external.describe in {
        i.responsible_name for i in shown["meetings_open_items"]
    }
