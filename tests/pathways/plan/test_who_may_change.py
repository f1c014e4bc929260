"""Who may replace the koordinator and who may add measures, from every role.

Roles: the koordinator, a colleague in the same unit, the unit's leader, another kommune unit
on the care team, a TSB clinician on the care team, and an outsider (no care-team access).
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.acting import Actor
from accounts.models import Membership
from pathways.models import CareTeamMember, Measure, Notification
from pathways.notifications.kinds import OTHER, label_for
from pathways.patients.services.careteam import care_team_add
from pathways.plan import services as svc
from tests.factories import make_user
from tests.pathways.plan.setup import add_measure, appoint, start_plan

pytestmark = pytest.mark.django_db
Role = Membership.Role


@pytest.fixture
def team(shared_patient, coordinator, vadso_rus, sarpsborg_rus):
    """Vadsø owns the plan, UNN TSB døgn and Sarpsborg are on the care team."""
    care_team_add(
        patient=shared_patient,
        unit=sarpsborg_rus,
        role=CareTeamMember.Role.TREATING,
        basis=CareTeamMember.Basis.CONSENT,
        actor=Actor(coordinator, vadso_rus),
    )
    return start_plan(shared_patient, coordinator, vadso_rus)


@pytest.fixture
def actors(coordinator, colleague, leader, other_kommune_user, tsb_clinician, other_hf_user):
    return {
        "koordinator": (coordinator, coordinator.memberships.get().unit),
        "colleague": (colleague, colleague.memberships.get().unit),
        "leader": (leader, leader.memberships.get().unit),
        "other kommune unit": (other_kommune_user, other_kommune_user.memberships.get().unit),
        "TSB clinician": (tsb_clinician, tsb_clinician.memberships.get().unit),
        "outsider": (other_hf_user, other_hf_user.memberships.get().unit),
    }


REPLACES = {
    "koordinator": True,
    "colleague": True,
    "leader": True,
    "other kommune unit": False,
    "TSB clinician": False,
    "outsider": False,
}


@pytest.mark.parametrize("role", list(REPLACES))
def test_replacing_the_koordinator_is_for_the_unit_that_owns_the_plan(
    role, team, actors, shared_patient, colleague, coordinator, vadso_rus
):
    user, unit = actors[role]
    # The colleague takes over; the others hand the role to the colleague.
    new = Membership.objects.get(user=colleague, unit=vadso_rus)
    if REPLACES[role]:
        assignment = svc.coordinator_appoint(
            patient=shared_patient, membership=new, actor=Actor(user, unit)
        )
        assert svc.active_coordinator(shared_patient) == assignment
    else:
        with pytest.raises(PermissionDenied):
            svc.coordinator_appoint(patient=shared_patient, membership=new, actor=Actor(user, unit))
        assert svc.active_coordinator(shared_patient).user == coordinator


@pytest.mark.parametrize("role", list(REPLACES))
def test_the_plan_page_offers_the_change_only_to_those_who_may(
    role, team, actors, login, shared_patient
):
    user, _unit = actors[role]
    client = login(user)
    page = client.get(reverse("pathways:plan", args=[shared_patient.pk]))
    edit = client.get(reverse("pathways:plan_coordinator", args=[shared_patient.pk]))
    if role == "outsider":
        assert page.status_code == edit.status_code == 404
        return
    assert ("Bytt koordinator" in page.content.decode()) is REPLACES[role]
    assert edit.status_code == (200 if REPLACES[role] else 403)


def test_a_leader_of_the_koordinators_own_unit_hands_the_role_over(
    team, shared_patient, coordinator, vadso_rus, tsb_clinician, unn_tsb
):
    """A TSB clinician coordinates a plan Vadsø owns: UNN's leader may hand it to a colleague
    at UNN; another UNN clinician may not."""
    svc.coordinator_appoint(
        patient=shared_patient,
        membership=Membership.objects.get(user=tsb_clinician),
        actor=Actor(coordinator, vadso_rus),
    )
    unn_leader = make_user(unn_tsb, Role.LEADER, username="unnleder")
    unn_colleague = make_user(unn_tsb, Role.CLINICIAN, username="unnkollega")
    with pytest.raises(PermissionDenied):
        appoint(shared_patient, unn_colleague, unn_tsb, by=unn_colleague)
    appoint(shared_patient, unn_colleague, unn_tsb, by=unn_leader)
    assert svc.active_coordinator(shared_patient).user == unn_colleague


def test_the_first_koordinator_is_appointed_by_anyone_who_may_change_the_record(
    shared_patient, tsb_clinician, unn_tsb
):
    appoint(shared_patient, tsb_clinician, unn_tsb)
    assert svc.active_coordinator(shared_patient).user == tsb_clinician


def test_without_a_plan_the_koordinators_unit_decides(
    shared_patient, coordinator, colleague, vadso_rus, tsb_clinician, unn_tsb
):
    appoint(shared_patient, coordinator, vadso_rus)
    with pytest.raises(PermissionDenied):
        appoint(shared_patient, tsb_clinician, unn_tsb, by=tsb_clinician)
    appoint(shared_patient, colleague, vadso_rus, by=colleague)
    assert svc.active_coordinator(shared_patient).user == colleague


def test_the_previous_and_the_new_koordinator_are_told(
    team, shared_patient, coordinator, colleague, leader, vadso_rus
):
    Notification.objects.all().delete()
    svc.coordinator_appoint(
        patient=shared_patient,
        membership=Membership.objects.get(user=colleague),
        actor=Actor(leader, vadso_rus),
    )
    told = {(n.user, n.kind) for n in Notification.objects.all()}
    assert told == {(colleague, "coordinator_appointed"), (coordinator, "coordinator_replaced")}
    for note in Notification.objects.all():
        assert "Ola" not in note.title and "Nordmann" not in note.title
        assert label_for(note.kind) != str(OTHER)


def test_handing_over_oneself_tells_only_the_new_koordinator(
    team, shared_patient, coordinator, colleague, vadso_rus
):
    Notification.objects.all().delete()
    appoint(shared_patient, colleague, vadso_rus, by=coordinator)
    assert [(n.user, n.kind) for n in Notification.objects.all()] == [
        (colleague, "coordinator_appointed")
    ]


# --- measures ---------------------------------------------------------------------------

ADDS_OWN = {
    "koordinator": True,
    "colleague": True,
    "leader": True,
    "other kommune unit": True,
    "TSB clinician": True,
    "outsider": False,
}


@pytest.mark.parametrize("role", list(ADDS_OWN))
def test_a_unit_on_the_care_team_adds_measures_for_itself(role, team, actors):
    user, unit = actors[role]
    if ADDS_OWN[role]:
        measure = add_measure(team, user, unit, title="Eget tiltak", responsible_unit=unit)
        assert measure.responsible_unit == unit
    else:
        with pytest.raises(PermissionDenied):
            add_measure(team, user, unit, title="Eget tiltak", responsible_unit=unit)


@pytest.mark.parametrize("role", ["colleague", "leader", "other kommune unit", "TSB clinician"])
def test_only_the_koordinator_adds_measures_for_other_units(role, team, actors, unn_tsb, vadso_rus):
    user, unit = actors[role]
    elsewhere = vadso_rus if unit != vadso_rus else unn_tsb
    with pytest.raises(ValidationError) as error:
        add_measure(team, user, unit, title="Andres tiltak", responsible_unit=elsewhere)
    assert "responsible_unit" in error.value.error_dict
    assert not Measure.objects.filter(title="Andres tiltak").exists()


def test_the_koordinator_adds_measures_for_any_unit(team, coordinator, vadso_rus, unn_tsb):
    assert add_measure(team, coordinator, vadso_rus, responsible_unit=unn_tsb).responsible_unit == (
        unn_tsb
    )


UPDATES_TSB_MEASURE = {
    "koordinator": True,
    "colleague": False,
    "leader": False,
    "other kommune unit": False,
    "TSB clinician": True,
    "outsider": False,
}


@pytest.mark.parametrize("role", list(UPDATES_TSB_MEASURE))
def test_the_responsible_unit_updates_its_measure(
    role, team, actors, coordinator, vadso_rus, unn_tsb
):
    measure = add_measure(
        team, coordinator, vadso_rus, title="Døgnopphold", responsible_unit=unn_tsb
    )
    user, unit = actors[role]
    team.refresh_from_db()

    def update():
        return svc.measure_save(
            plan=team,
            actor=Actor(user, unit),
            data={"how": "Samtaler to ganger i uken", "status": Measure.Status.IN_PROGRESS},
            base_version=team.version,
            measure=measure,
        )

    if UPDATES_TSB_MEASURE[role]:
        assert update().how == "Samtaler to ganger i uken"
    else:
        with pytest.raises(PermissionDenied):
            update()


def test_the_tsb_clinician_adds_a_measure_through_the_page(
    team, login, tsb_clinician, unn_tsb, shared_patient
):
    client = login(tsb_clinician)
    page = client.get(reverse("pathways:plan", args=[shared_patient.pk])).content.decode()
    assert "Legg til tiltak" in page
    url = reverse("pathways:plan_measure_new", args=[shared_patient.pk])
    form = client.get(url).context["form"]
    assert list(form.fields["responsible_unit"].queryset) == [unn_tsb]
    assert form.initial["responsible_unit"] == unn_tsb.pk
    team.refresh_from_db()
    response = client.post(
        url,
        {
            "measure-new-version": team.version,
            "measure-new-title": "Samtaleterapi under oppholdet",
            "measure-new-life_area": "mental_health",
            "measure-new-responsible_unit": unn_tsb.pk,
            "measure-new-status": "in_progress",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Measure.objects.get(title="Samtaleterapi under oppholdet").responsible_unit == unn_tsb
