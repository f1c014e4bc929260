"""Two people editing the same group, meeting or minutes: a stale form never overwrites.

The second save of a form opened before someone else saved shows the conflict screen (what is
stored now beside what was typed, the typed text kept); only a save made after seeing it applies.
"""

import re

import pytest
from django.urls import reverse

from pathways.models import Meeting, ResponsibilityGroup
from tests.pathways.meetings.fixtures import *  # noqa: F403  (fixtures)

pytestmark = pytest.mark.django_db

CONFLICT = "Endret av noen andre mens du skrev"


def version_in(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def test_two_stale_saves_of_the_patients_say(login, coordinator, colleague, group):
    url = reverse("pathways:group_edit", args=[group.patient_id])
    opened = version_in(login(coordinator).get(url).content.decode())
    assert opened == str(group.version)
    theirs = {"version": opened, "patient_say": "Mor og NAV, ikke faren. Søsteren også."}
    assert login(colleague).post(url, theirs).status_code == 302

    mine = {"version": opened, "patient_say": "Bare mor."}
    client = login(coordinator)
    for _ in range(2):  # the same stale form, sent twice
        response = client.post(url, mine)
        assert response.status_code == 200
        html = response.content.decode()
        assert CONFLICT in html
        assert "Søsteren også." in html  # what the other person saved
        assert "Bare mor.</textarea>" in html  # what was typed, kept
        group.refresh_from_db()
        assert group.patient_say == theirs["patient_say"]

    seen = dict(mine, version=version_in(html))
    assert seen["version"] == str(group.version)
    assert client.post(url, seen).status_code == 302
    group.refresh_from_db()
    assert group.patient_say == "Bare mor."
    assert group.version == int(opened) + 2


def test_the_patients_say_without_a_version_is_not_saved_over(login, coordinator, group):
    url = reverse("pathways:group_edit", args=[group.patient_id])
    response = login(coordinator).post(url, {"patient_say": "Uten versjon."})
    assert response.status_code == 200 and CONFLICT in response.content.decode()
    assert ResponsibilityGroup.objects.get(pk=group.pk).patient_say != "Uten versjon."


def meeting_data(meeting, **changes):
    data = {
        "date": "2030-05-02",
        "time": "10:00",
        "duration_minutes": "90",
        "place": meeting.place,
        "digital_link": meeting.digital_link,
        "agenda": "Status bolig\nAktivitet og arbeid",
        "invite": [m.pk for m in meeting.group.members.active()],
        "version": meeting.version,
    }
    return data | changes


def test_two_stale_saves_of_a_meeting(login, coordinator, colleague, planned):
    url = reverse("pathways:meeting_edit", args=[planned.patient_id, planned.pk])
    assert login(colleague).post(url, meeting_data(planned, place="Kantina")).status_code == 302

    mine = meeting_data(planned, place="Biblioteket")
    client = login(coordinator)
    for _ in range(2):
        response = client.post(url, mine)
        assert response.status_code == 200
        html = response.content.decode()
        assert CONFLICT in html
        assert "Kantina" in html and 'value="Biblioteket"' in html
        assert Meeting.objects.get(pk=planned.pk).place == "Kantina"

    assert client.post(url, dict(mine, version=version_in(html))).status_code == 302
    assert Meeting.objects.get(pk=planned.pk).place == "Biblioteket"


def test_two_stale_saves_of_the_minutes(login, coordinator, colleague, begun):
    planned = begun
    url = reverse("pathways:minutes_edit", args=[planned.patient_id, planned.pk])
    item = planned.agenda.first()
    data = {"version": planned.version, f"notes_{item.pk}": "Leilighet i sentrum."}
    assert login(colleague).post(url, data).status_code == 302

    mine = dict(data, **{f"notes_{item.pk}": "Min egen tekst."})
    client = login(coordinator)
    for _ in range(2):
        response = client.post(url, mine)
        assert response.status_code == 200
        html = response.content.decode()
        assert CONFLICT in html
        # The conflict names the agenda item, with the saved notes beside the typed ones.
        assert f"Notater: {item.title}" in html
        assert "Leilighet i sentrum." in html and "Min egen tekst." in html
        item.refresh_from_db()
        assert item.notes == "Leilighet i sentrum."

    assert client.post(url, dict(mine, version=version_in(html))).status_code == 302
    item.refresh_from_db()
    assert item.notes == "Min egen tekst."


def test_publishing_minutes_changed_meanwhile_shows_them_first(login, coordinator, held):
    url = reverse("pathways:minutes_publish", args=[held.patient_id, held.pk])
    data = {"version": held.version - 1, "next_meeting_proposed": "2030-03-04"}
    response = login(coordinator).post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert CONFLICT in html
    assert "Referatet ble endret i mellomtiden." in html
    held.refresh_from_db()
    assert not held.is_published
    data["version"] = version_in(html)
    assert login(coordinator).post(url, data).status_code == 302
    held.refresh_from_db()
    assert held.is_published
