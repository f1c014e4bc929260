"""Who may change what (issue 12 §4), from every role, at the service and on the page.

The cast: the koordinator, a colleague in the koordinator's unit, that unit's leader, another
kommune unit on the care team, a TSB clinician on the care team, a unit kept informed (read
only), a user with emergency access (read only), an outsider (no access: 404) and an anonymous
visitor (sent to log in). tests/pathways/plan/test_who_may_change.py has the first six for the
services; this module adds the rest and walks every role through the pages.
"""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import resolve_url
from django.urls import reverse

from accounts.acting import Actor
from accounts.models import Membership, ServiceUnit
from pathways.models import (
    BreakGlassAccess,
    CareTeamMember,
    CoordinatorAssignment,
    Measure,
    Notification,
)
from pathways.patients.services.breakglass import break_glass_open, break_glass_request
from pathways.patients.services.careteam import care_team_add
from pathways.plan import services as svc
from tests.factories import make_org, make_unit, make_user
from tests.pathways.plan.setup import add_measure, start_plan

pytestmark = pytest.mark.django_db
Role = Membership.Role

REAL = "Innlagt akutt på legevakten, trenger kriseplanen nå"
ROLES = [
    "koordinator",
    "colleague",
    "leader",
    "other kommune unit",
    "TSB clinician",
    "kept informed",
    "emergency access",
    "outsider",
    "anonymous",
]
READ_ONLY = {"kept informed", "emergency access"}


@pytest.fixture
def cast(shared_patient, coordinator, colleague, leader, vadso_rus, sarpsborg_rus, tsb_clinician):
    """Vadsø owns the plan; Sarpsborg and UNN TSB døgn treat; a NAV office is kept informed;
    a DPS elsewhere opened the record by emergency access; a third kommune has no access."""
    by = Actor(coordinator, vadso_rus)
    care_team_add(
        patient=shared_patient,
        unit=sarpsborg_rus,
        role=CareTeamMember.Role.TREATING,
        basis=CareTeamMember.Basis.CONSENT,
        actor=by,
    )
    nav = make_unit(make_org("NAV Vadsø"), ServiceUnit.Kind.NAV, "NAV Vadsø")
    care_team_add(
        patient=shared_patient,
        unit=nav,
        role=CareTeamMember.Role.INFORMED,
        basis=CareTeamMember.Basis.CONSENT,
        actor=by,
    )
    dps = make_unit(
        make_org("Nordland HF", level="spesialist"), ServiceUnit.Kind.DPS, "DPS Nordland"
    )
    emergency = make_user(dps, Role.CLINICIAN, username="nodbruker")
    break_glass_open(
        patient=shared_patient,
        actor=Actor(emergency, dps),
        reason=BreakGlassAccess.Reason.EMERGENCY,
        explanation=REAL,
    )
    outside = make_unit(make_org("Tromsø kommune"), name="Rus Tromsø")
    plan = start_plan(shared_patient, coordinator, vadso_rus)
    people = {
        "koordinator": coordinator,
        "colleague": colleague,
        "leader": leader,
        "other kommune unit": make_user(sarpsborg_rus, Role.CLINICIAN, username="sarpsb"),
        "TSB clinician": tsb_clinician,
        "kept informed": make_user(nav, Role.CLINICIAN, username="navveileder"),
        "emergency access": emergency,
        "outsider": make_user(outside, Role.COORDINATOR, username="tromso"),
        "anonymous": None,
    }
    return plan, people


def actor_of(user):
    return Actor(user, user.memberships.get().unit)


def page(client, login, user, url):
    """GET ``url`` as ``user`` (None: not logged in)."""
    return (login(user) if user is not None else client).get(url)


def assert_ladder(response, role, allowed: bool):
    """anonymous → login; outsider → 404; read-only or not allowed → 403; allowed → 200."""
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
        assert "next=" in response["Location"]
    elif role == "outsider":
        assert response.status_code == 404
    else:
        assert response.status_code == (200 if allowed else 403), role


# --- replacing the koordinator ----------------------------------------------------------------

REPLACES = {
    "koordinator": True,
    "colleague": True,
    "leader": True,
    "other kommune unit": False,
    "TSB clinician": False,
    "kept informed": False,
    "emergency access": False,
    "outsider": False,
}


@pytest.mark.parametrize("role", list(REPLACES))
def test_replacing_the_koordinator_from_every_role(role, cast, shared_patient, colleague):
    _plan, people = cast
    new = Membership.objects.get(user=colleague)
    if role == "colleague":
        new = Membership.objects.get(user=people["leader"])
    Notification.objects.all().delete()
    call = lambda: svc.coordinator_appoint(  # noqa: E731
        patient=shared_patient, membership=new, actor=actor_of(people[role])
    )
    if REPLACES[role]:
        call()
        assert svc.active_coordinator(shared_patient).user == new.user
        told = {n.user for n in Notification.objects.filter(kind__startswith="coordinator_")}
        assert new.user in told
        assert people["koordinator"] in told or role == "koordinator"
    else:
        with pytest.raises(PermissionDenied):
            call()
        assert svc.active_coordinator(shared_patient).user == people["koordinator"]
        assert not Notification.objects.filter(kind__startswith="coordinator_").exists()


@pytest.mark.parametrize("role", ROLES)
def test_the_koordinator_page_from_every_role(role, cast, client, login, shared_patient):
    _plan, people = cast
    url = reverse("pathways:plan_coordinator", args=[shared_patient.pk])
    assert_ladder(page(client, login, people[role], url), role, REPLACES.get(role, False))


def test_an_anonymous_post_changes_no_koordinator(cast, client, shared_patient, colleague):
    url = reverse("pathways:plan_coordinator", args=[shared_patient.pk])
    response = client.post(url, {"membership": Membership.objects.get(user=colleague).pk})
    assert response.status_code == 302
    assert CoordinatorAssignment.objects.active().get(patient=shared_patient).user.username == (
        "kari"
    )


# --- measures the unit is responsible for ---------------------------------------------------

ADDS_OWN = {
    "koordinator": True,
    "colleague": True,
    "leader": True,
    "other kommune unit": True,
    "TSB clinician": True,
    "kept informed": False,
    "emergency access": False,
    "outsider": False,
}


@pytest.mark.parametrize("role", list(ADDS_OWN))
def test_adding_a_measure_for_ones_own_unit_from_every_role(role, cast):
    plan, people = cast
    actor = actor_of(people[role])
    if ADDS_OWN[role]:
        measure = add_measure(
            plan, actor.user, actor.unit, title="Eget", responsible_unit=actor.unit
        )
        assert measure.responsible_unit == actor.unit
    else:
        with pytest.raises(PermissionDenied):
            add_measure(plan, actor.user, actor.unit, title="Eget", responsible_unit=actor.unit)
        assert not Measure.objects.filter(title="Eget").exists()


@pytest.mark.parametrize("role", ROLES)
def test_the_new_measure_page_from_every_role(role, cast, client, login, shared_patient):
    _plan, people = cast
    url = reverse("pathways:plan_measure_new", args=[shared_patient.pk])
    assert_ladder(page(client, login, people[role], url), role, ADDS_OWN.get(role, False))


UPDATES_TSB_MEASURE = {
    "koordinator": True,
    "colleague": False,
    "leader": False,
    "other kommune unit": False,
    "TSB clinician": True,
    "kept informed": False,
    "emergency access": False,
    "outsider": False,
}


@pytest.mark.parametrize("role", list(UPDATES_TSB_MEASURE))
def test_updating_the_tsb_units_measure_from_every_role(
    role, cast, coordinator, vadso_rus, unn_tsb
):
    plan, people = cast
    measure = add_measure(
        plan, coordinator, vadso_rus, title="Døgnopphold", responsible_unit=unn_tsb
    )
    plan.refresh_from_db()

    def update():
        return svc.measure_save(
            plan=plan,
            actor=actor_of(people[role]),
            data={"how": "Samtaler to ganger i uken", "status": Measure.Status.IN_PROGRESS},
            base_version=plan.version,
            measure=measure,
        )

    if UPDATES_TSB_MEASURE[role]:
        assert update().how == "Samtaler to ganger i uken"
    else:
        with pytest.raises(PermissionDenied):
            update()
        measure.refresh_from_db()
        assert measure.how != "Samtaler to ganger i uken"


# --- emergency access ---------------------------------------------------------------------

NEEDS_NO_EMERGENCY_ACCESS = {
    "koordinator",
    "colleague",
    "leader",
    "other kommune unit",
    "TSB clinician",
    "kept informed",
    # A grant still running: asking again grants nothing new.
    "emergency access",
}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_emergency_access_from_every_role(role, cast, shared_patient):
    _plan, people = cast
    actor = actor_of(people[role])
    before = BreakGlassAccess.objects.count()
    Notification.objects.filter(kind="break_glass_used").delete()

    def ask(explanation):
        return break_glass_request(
            actor=actor,
            national_id=shared_patient.national_id,
            reason=BreakGlassAccess.Reason.EMERGENCY,
            explanation=explanation,
        )

    # A token explanation is refused for everyone, before anything is looked up or granted.
    with pytest.raises(ValidationError):
        break_glass_open(
            patient=shared_patient,
            actor=actor,
            reason=BreakGlassAccess.Reason.EMERGENCY,
            explanation="x",
        )
    patient, opened = ask(REAL)
    assert patient == shared_patient
    if role in NEEDS_NO_EMERGENCY_ACCESS:
        # The record is open to them already: nothing is granted, nobody is alarmed.
        assert not opened
        assert BreakGlassAccess.objects.count() == before
        assert not Notification.objects.filter(kind="break_glass_used").exists()
    else:
        assert opened
        assert BreakGlassAccess.objects.count() == before + 1
        told = Notification.objects.filter(kind="break_glass_used")
        assert [n.user for n in told] == [people["koordinator"]]
        assert "Ola" not in told[0].title and "Nordmann" not in told[0].title


def test_the_emergency_access_page_sends_an_anonymous_visitor_to_log_in(client):
    response = client.get(reverse("pathways:break_glass"))
    assert response.status_code == 302
    assert "next=" in response["Location"]


def test_an_anonymous_post_grants_no_emergency_access(cast, client, shared_patient):
    before = BreakGlassAccess.objects.count()
    response = client.post(
        reverse("pathways:break_glass"),
        {
            "national_id": shared_patient.national_id,
            "reason": BreakGlassAccess.Reason.EMERGENCY,
            "explanation": REAL,
        },
    )
    assert response.status_code == 302
    assert BreakGlassAccess.objects.count() == before
