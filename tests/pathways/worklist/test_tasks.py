"""'Mine oppgaver': my action items across my patients, marked done inline or by a plain post."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.acting import Actor
from pathways.meetings import services as svc
from pathways.models import ActionItem
from tests.factories import make_patient
from tests.kept import forget_kept
from tests.pathways.meetings.fixtures import *  # noqa: F403  (fixtures)
from tests.pathways.meetings.fixtures import at, hold

pytestmark = pytest.mark.django_db

TASKS = "/oppgaver/"


def add_items(meeting, by, unit, responsible, n, first_due):
    for i in range(n):
        svc.action_item_add(
            meeting=meeting,
            actor=Actor(by, unit),
            what=f"Punkt {i:02d}",
            due_date=first_due + datetime.timedelta(days=i),
            responsible_user=responsible,
        )


def test_anonymous_is_sent_to_login(client):
    response = client.get(TASKS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_i_see_my_items_sorted_by_due_date_with_overdue_in_words(
    login, tsb_clinician, published, coordinator, vadso_rus
):
    item = published.action_items.get(responsible_user=tsb_clinician)
    ActionItem.objects.filter(pk=item.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=3)
    )
    html = login(tsb_clinician).get(TASKS).content.decode()
    assert "Sende epikrise til fastlege" in html
    assert "Forfalt" in html
    assert "1 forfalt" in html
    # The external's item is not mine, and the coordinator sees nothing of mine.
    assert "Søke om bostøtte" not in html
    assert "Sende epikrise" not in login(coordinator).get(TASKS).content.decode()


def test_a_colleague_in_the_same_unit_sees_the_units_items(login, published, unn_tsb):
    from tests.factories import make_user

    colleague = make_user(unn_tsb)
    assert "Sende epikrise til fastlege" in login(colleague).get(TASKS).content.decode()


def test_unpublished_minutes_give_no_tasks_yet(login, tsb_clinician, held):
    assert "Sende epikrise" not in login(tsb_clinician).get(TASKS).content.decode()


def test_tasks_are_ordered_by_due_date(login, coordinator, vadso_rus, tsb_clinician, group):
    # Held three days ago (recorded, no one invited): one item was due the day after.
    meeting = svc.meeting_plan(
        group=group,
        actor=Actor(coordinator, vadso_rus),
        starts_at=at(-3),
        place="A",
        agenda=["x"],
        invite=[],
    )
    meeting = hold(meeting, coordinator, vadso_rus)
    today = timezone.localdate()
    for what, days in (("Senere", 20), ("Tidligst", -2), ("Midt", 5)):
        svc.action_item_add(
            meeting=meeting,
            actor=Actor(coordinator, vadso_rus),
            what=what,
            due_date=today + datetime.timedelta(days=days),
            responsible_user=tsb_clinician,
        )
    svc.minutes_publish(
        meeting=meeting, actor=Actor(coordinator, vadso_rus), version=meeting.version
    )
    html = login(tsb_clinician).get(TASKS).content.decode()
    assert html.index("Tidligst") < html.index("Midt") < html.index("Senere")


def test_the_page_costs_the_same_for_one_row_and_thirty(
    login, coordinator, vadso_rus, tsb_clinician, unn_tsb, group, django_assert_num_queries
):
    meeting = svc.meeting_plan(
        group=group,
        actor=Actor(coordinator, vadso_rus),
        starts_at=at(-1),
        place="A",
        agenda=["x"],
        invite=[],
    )
    meeting = hold(meeting, coordinator, vadso_rus)
    add_items(meeting, coordinator, vadso_rus, tsb_clinician, 1, timezone.localdate())
    svc.minutes_publish(
        meeting=meeting, actor=Actor(coordinator, vadso_rus), version=meeting.version
    )
    client = login(tsb_clinician)
    client.get(TASKS)
    forget_kept()  # the render's queries, not the kept page's
    with CaptureQueriesContext(connection) as one:
        response = client.get(TASKS)
    assert response.content.decode().count('<tr id="task-') == 1
    # 29 more items on other patients: one query per row or per patient would show here.
    for n in range(29):
        other = make_patient(vadso_rus, by=coordinator)
        from pathways.models import CareTeamMember
        from pathways.patients.services.careteam import care_team_add

        care_team_add(
            patient=other,
            unit=unn_tsb,
            role=CareTeamMember.Role.TREATING,
            basis=CareTeamMember.Basis.CONSENT,
            actor=Actor(coordinator),
        )
        g = svc.group_create(patient=other, actor=Actor(coordinator, vadso_rus))
        svc.group_member_add(
            group=g, actor=Actor(coordinator, vadso_rus), user=tsb_clinician, member_unit=unn_tsb
        )
        m = svc.meeting_plan(
            group=g,
            actor=Actor(coordinator, vadso_rus),
            starts_at=at(-2),
            place="B",
            agenda=["y"],
            invite=[],
        )
        m = hold(m, coordinator, vadso_rus)
        add_items(
            m,
            coordinator,
            vadso_rus,
            tsb_clinician,
            1,
            timezone.localdate() + datetime.timedelta(days=n),
        )
        svc.minutes_publish(meeting=m, actor=Actor(coordinator, vadso_rus), version=m.version)
    forget_kept()
    with django_assert_num_queries(len(one)):
        response = client.get(TASKS)
    assert response.content.decode().count('<tr id="task-') == 30
    print(f"/oppgaver/ queries: {len(one)}")


def test_marking_done_with_htmx_returns_the_refreshed_page(login, tsb_clinician, published):
    item = published.action_items.get(responsible_user=tsb_clinician)
    client = login(tsb_clinician)
    url = reverse("pathways:action_item_done", args=[item.patient_id, item.pk])
    response = client.post(url, {"next": TASKS}, HTTP_HX_REQUEST="true", follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "«Sende epikrise til fastlege» er markert som utført." in html
    assert "Du har ingen åpne oppgaver." in html, html[html.find("<main") :]
    item.refresh_from_db()
    assert item.status == "done" and item.done_by == tsb_clinician


def test_marking_done_without_javascript_redirects_back(login, tsb_clinician, published):
    item = published.action_items.get(responsible_user=tsb_clinician)
    url = reverse("pathways:action_item_done", args=[item.patient_id, item.pk])
    response = login(tsb_clinician).post(url, {"next": TASKS})
    assert response.status_code == 302 and response["Location"] == TASKS
    # A foreign "next" is ignored.
    response = login(tsb_clinician).post(url, {"next": "https://evil.example/"})
    assert response["Location"].endswith(f"/moter/{item.meeting_id}/")


def test_the_task_page_offers_inline_marking(login, tsb_clinician, published):
    html = login(tsb_clinician).get(TASKS).content.decode()
    assert 'hx-post="/pasienter/' in html
    assert 'hx-select="#main"' in html
    assert "Mine oppgaver" in html
