"""Treatment places and placement: suggestions by fit, free capacity and wait; the reason rule;
stale capacity; who may update capacity; what the kommune sees; a slipped start."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import Membership, Organisation, ServiceUnit
from pathways.models import CareTeamMember, Notification
from referrals import services
from referrals.models import Referral, ReferralEvent, TreatmentPlace
from referrals.placement import selectors
from referrals.placement.services import capacity_update
from tests.factories import make_org, make_unit, make_user

pytestmark = pytest.mark.django_db

Form = TreatmentPlace.Form
Kind = ServiceUnit.Kind
Role = Membership.Role
TODAY = timezone.localdate


def days(n):
    return TODAY() + datetime.timedelta(days=n)


def make_place(
    hf,
    name,
    form=Form.DOGN,
    *,
    free=0,
    free_in=0,
    wait=None,
    profiles=(),
    at=None,
    private=True,
    updated_days_ago=1,
):
    org = make_org(f"{name} AS", level=Organisation.Level.SPESIALIST) if private else hf
    if private:
        Organisation.objects.filter(pk=org.pk).update(is_private=True)
    unit = make_unit(org, Kind.TSB_DOGN, name)
    lat, lon = at or (None, None)
    return TreatmentPlace.objects.create(
        unit=unit,
        form=form,
        profiles=list(profiles),
        location=name.split()[0],
        latitude=lat,
        longitude=lon,
        health_trust=hf,
        free_places=free,
        free_from=days(free_in) if free else None,
        expected_wait_days=wait,
        capacity_updated_at=timezone.now() - datetime.timedelta(days=updated_days_ago),
    )


@pytest.fixture
def places(unn, vadso):
    Organisation.objects.filter(pk=vadso.pk).update(latitude=70.07, longitude=29.75)
    return {
        # Fits døgn, free in 5 days, far away.
        "alta": make_place(unn, "Alta kollektiv", free=1, free_in=5, at=(69.97, 23.27)),
        # Fits døgn, free now, near.
        "kirkenes": make_place(unn, "Kirkenes senter", free=2, at=(69.73, 30.05)),
        # Fits døgn, no free place, 60 days' wait.
        "tromso": make_place(unn, "Tromsø døgn", wait=60, at=(69.68, 18.98)),
        # Fits døgn, no figures at all.
        "silent": make_place(unn, "Stille sted", updated_days_ago=30),
        # Outpatient only: does not fit an inpatient grant, free now.
        "poli": make_place(unn, "Poliklinikk nord", Form.POLIKLINIKK, free=3),
    }


def test_suggestions_fit_first_then_earliest_start_then_distance(granted, places):
    granted.patient.home_kommune = Organisation.objects.get(name="Vadsø kommune")
    granted.patient.save()
    order = selectors.suggestions(Referral.objects.get(pk=granted.pk))
    names = [s.place.name for s in order]
    assert names == [
        "Kirkenes senter",  # free now
        "Alta kollektiv",  # free in 5 days
        "Tromsø døgn",  # 60 days' wait
        "Stille sted",  # no figures: last of the fitting ones
        "Poliklinikk nord",  # does not fit inpatient help
    ]
    by_name = {s.place.name: s for s in order}
    assert [n for n, s in by_name.items() if s.earliest] == [
        "Kirkenes senter",
        "Alta kollektiv",
        "Tromsø døgn",
    ]
    assert by_name["Kirkenes senter"].distance_km < by_name["Alta kollektiv"].distance_km
    assert 10 <= by_name["Kirkenes senter"].distance_km <= 40
    assert by_name["Stille sted"].stale and not by_name["Kirkenes senter"].stale
    assert not by_name["Poliklinikk nord"].fits


def test_youth_profile_breaks_ties_for_patients_under_23(granted, unn):
    a = make_place(unn, "Voksen døgn", free=1)
    b = make_place(unn, "Ung døgn", free=1, profiles=["youth"])
    Referral.objects.filter(pk=granted.pk).update(under_23=True)
    order = selectors.suggestions(Referral.objects.get(pk=granted.pk))
    assert [s.place for s in order] == [b, a]


def place(referral, who, unit, where, start, reason=""):
    return services.referral_place(
        referral=Referral.objects.get(pk=referral.pk),
        actor=Actor(who, unit),
        place=where,
        planned_start=start,
        reason=reason,
    )


def test_an_earliest_place_needs_no_reason(granted, places, tsb_intake, unn_intake):
    placed = place(granted, tsb_intake, unn_intake, places["alta"], days(5))
    assert placed.place == places["alta"] and placed.planned_start == days(5)
    assert placed.placement_reason == ""


def test_the_wished_place_needs_no_reason_even_when_it_is_not_among_the_earliest(
    granted, places, tsb_intake, unn_intake
):
    make_place(granted.receiving_unit.organisation, "Fjerde ledig", free=1)
    Referral.objects.filter(pk=granted.pk).update(wished_place=places["silent"])
    placed = place(granted, tsb_intake, unn_intake, places["silent"], days(7))
    assert placed.place == places["silent"]


def test_another_place_needs_a_reason_shown_to_the_referrer(
    granted, places, tsb_intake, unn_intake, coordinator
):
    with pytest.raises(ValidationError) as refused:
        place(granted, tsb_intake, unn_intake, places["poli"], days(1), reason="x")
    assert "reason" in refused.value.message_dict
    reason = "Pasienten ønsker poliklinisk behandling nær jobben."
    place(granted, tsb_intake, unn_intake, places["poli"], days(1), reason=reason)
    event = ReferralEvent.objects.get(referral=granted, kind=ReferralEvent.Kind.PLACED)
    assert reason in event.text and "Poliklinikk nord" in event.text
    assert Notification.objects.filter(
        user=coordinator, title__contains="Poliklinikk nord"
    ).exists()


def test_a_start_after_the_frist_needs_a_reason(granted, places, tsb_intake, unn_intake):
    late = granted.start_deadline + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        place(granted, tsb_intake, unn_intake, places["kirkenes"], late)
    assert "frist" in str(refused.value.message_dict["reason"])
    with pytest.raises(ValidationError) as past:
        place(granted, tsb_intake, unn_intake, places["kirkenes"], days(-1))
    assert "planned_start" in past.value.message_dict


def test_the_place_joins_the_care_team_on_the_referral_as_basis(
    granted, places, tsb_intake, unn_intake
):
    place(granted, tsb_intake, unn_intake, places["kirkenes"], days(0))
    member = CareTeamMember.objects.get(patient=granted.patient, unit=places["kirkenes"].unit)
    assert member.basis == CareTeamMember.Basis.REFERRAL


def test_only_the_receiving_side_places(granted, places, coordinator, vadso_rus, tsb_clinician):
    for who, unit in (
        (coordinator, vadso_rus),
        (tsb_clinician, tsb_clinician.memberships.get().unit),
    ):
        with pytest.raises(PermissionDenied):
            place(granted, who, unit, places["kirkenes"], days(0))


def test_a_slipped_start_is_a_change_with_a_reason(
    granted, places, tsb_intake, unn_intake, coordinator
):
    place(granted, tsb_intake, unn_intake, places["kirkenes"], days(2))
    actor = Actor(tsb_intake, unn_intake)
    with pytest.raises(ValidationError):
        services.referral_change_planned_start(
            referral=granted, actor=actor, planned_start=days(9), reason=""
        )
    services.referral_change_planned_start(
        referral=granted, actor=actor, planned_start=days(9), reason="Sengen blir ledig senere."
    )
    event = ReferralEvent.objects.get(
        referral=granted, kind=ReferralEvent.Kind.PLANNED_START_CHANGED
    )
    assert days(2).strftime("%d.%m.%Y") in event.text and "Sengen blir ledig" in event.text
    assert Referral.objects.get(pk=granted.pk).planned_start == days(9)


def test_the_kommune_sees_the_place_the_planned_start_and_the_reason(
    login, granted, places, tsb_intake, unn_intake, coordinator
):
    reason = "Pasienten ønsker poliklinisk behandling nær jobben."
    place(granted, tsb_intake, unn_intake, places["poli"], days(4), reason=reason)
    page = login(coordinator).get(reverse("referrals:detail", args=[granted.pk]))
    html = page.content.decode()
    assert "Poliklinikk nord" in html
    assert f"{days(4).day}.{days(4).month}.{days(4).year}" in html
    assert reason in html


def test_the_place_page_lists_suggestions_and_keeps_input_on_a_missing_reason(
    login, granted, places, tsb_intake
):
    client = login(tsb_intake)
    url = reverse("referrals:place", args=[granted.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Kirkenes senter") < html.index("Alta kollektiv") < html.index("Tromsø døgn")
    answer = client.post(
        url,
        {
            "place": places["poli"].pk,
            "planned_start": days(3).isoformat(),
            "reason": "",
            "version": Referral.objects.get(pk=granted.pk).version,
        },
    )
    assert answer.status_code == 200
    assert "Skriv hvorfor" in answer.content.decode()
    assert answer.context["form"]["planned_start"].value() == days(3).isoformat()
    assert Referral.objects.get(pk=granted.pk).place is None


def test_place_page_access(login, granted, coordinator, other_hf_user, other_kommune_user):
    url = reverse("referrals:place", args=[granted.pk])
    assert login(other_kommune_user).get(url).status_code == 404
    assert login(other_hf_user).get(url).status_code == 404
    assert login(coordinator).get(url).status_code == 403


# --- capacity ---


def test_capacity_is_kept_by_the_place_or_the_intake_team(
    unn, unn_intake, tsb_intake, coordinator, vadso_rus
):
    kollektiv = make_place(unn, "Kollektivet", updated_days_ago=10)
    staff = make_user(kollektiv.unit, Role.CLINICIAN, username="kollektiv")
    assert kollektiv.capacity_is_stale()
    for who, unit in ((staff, kollektiv.unit), (tsb_intake, unn_intake)):
        current = TreatmentPlace.objects.get(pk=kollektiv.pk)
        updated = capacity_update(
            place=current,
            actor=Actor(who, unit),
            free_places=2,
            free_from=days(1),
            expected_wait_days=0,
            version=current.capacity_version,
        )
        assert not updated.capacity_is_stale() and updated.capacity_updated_by == who
    with pytest.raises(PermissionDenied):
        capacity_update(place=kollektiv, actor=Actor(coordinator, vadso_rus), free_places=1)


def test_a_stale_capacity_form_is_refused(unn, tsb_intake, unn_intake):
    from pathways.stale import StaleWrite

    kollektiv = make_place(unn, "Kollektivet")
    actor = Actor(tsb_intake, unn_intake)
    version = kollektiv.capacity_version
    capacity_update(place=kollektiv, actor=actor, free_places=1, version=version)
    with pytest.raises(StaleWrite):
        capacity_update(place=kollektiv, actor=actor, free_places=3, version=version)


def test_capacity_pages(login, unn, tsb_intake, coordinator):
    kollektiv = make_place(unn, "Kollektivet", updated_days_ago=8)
    listing = login(coordinator).get(reverse("places"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Kollektivet" in html and "utdatert" in html
    assert reverse("place_capacity", args=[kollektiv.pk]) not in html
    assert login(coordinator).get(reverse("place_capacity", args=[kollektiv.pk])).status_code == 403
    client = login(tsb_intake)
    url = reverse("place_capacity", args=[kollektiv.pk])
    bad = client.post(url, {"free_places": "-1", "version": kollektiv.capacity_version})
    assert bad.status_code == 200 and bad.context["form"].errors["free_places"]
    good = client.post(
        url,
        {
            "free_places": "2",
            "free_from": days(2).isoformat(),
            "version": kollektiv.capacity_version,
        },
    )
    assert good.status_code == 302
    assert TreatmentPlace.objects.get(pk=kollektiv.pk).free_places == 2


def test_the_place_list_costs_a_fixed_number_of_queries(
    login, unn, tsb_intake, django_assert_max_num_queries
):
    client = login(tsb_intake)
    client.get(reverse("places"))
    for n in range(6):
        make_place(unn, f"Sted {n}", free=n)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("places")).status_code == 200


def test_the_private_place_starts_the_stay_and_the_referral_leaves_the_waiting_list(
    granted, places, tsb_intake, unn_intake
):
    from pathways.episodes.services import episode_start

    kirkenes = places["kirkenes"]
    place(granted, tsb_intake, unn_intake, kirkenes, days(0))
    clinician = make_user(kirkenes.unit, Role.CLINICIAN, username="kirkenes")
    episode = episode_start(
        patient=granted.patient,
        actor=Actor(clinician, kirkenes.unit),
        kind="dogn",
        started_at=timezone.now(),
    )
    current = Referral.objects.get(pk=granted.pk)
    assert current.state == Referral.State.TREATMENT_STARTED
    assert current.treatment_episode == episode and current.treatment_started_on == TODAY()


# --- figures ---


def test_placement_figures_against_a_hand_computed_set(
    unn, vadso_rus, coordinator, tsb_intake, unn_intake, leader
):
    from referrals.models import CapacityReport
    from referrals.placement.figures import placement_figures
    from tests.factories import make_patient
    from tests.referrals.conftest import send_referral

    a = make_place(unn, "Sted A", free=1)
    b = make_place(unn, "Sted B", free=1)
    day0 = TODAY() - datetime.timedelta(days=20)
    granted_at = timezone.make_aware(datetime.datetime.combine(day0, datetime.time(12)))
    # (place, wished, planned start (days after the grant), started (days after) or None)
    cases = [(a, a, 5, 4), (a, b, 5, 8), (b, None, 10, None), (b, b, 2, 2)]
    for n, (where, wished, planned, started) in enumerate(cases):
        patient = make_patient(vadso_rus, by=coordinator, first_name=f"P{n}")
        referral = send_referral(patient, coordinator, vadso_rus, unn_intake)
        Referral.objects.filter(pk=referral.pk).update(
            state=Referral.State.TREATMENT_STARTED if started is not None else "granted",
            assessed_at=granted_at,
            start_deadline=day0 + datetime.timedelta(days=30),
            help_kind="inpatient",
            place=where,
            wished_place=wished,
            planned_start=day0 + datetime.timedelta(days=planned),
            treatment_started_on=(
                day0 + datetime.timedelta(days=started) if started is not None else None
            ),
        )
    for free in (2, 4):
        CapacityReport.objects.create(place=a, free_places=free)
    trusts, places = placement_figures(unn_intake, day0, TODAY())
    (hf,) = trusts
    assert (hf.placed, hf.started, hf.median_days, hf.p90_days) == (4, 3, 4, 7.2)
    assert (hf.share_started_by_planned, hf.share_where_wished) == (67, 67)
    by = {f.label: f for f in places}
    fa, fb = by["Sted A"], by["Sted B"]
    assert (fa.placed, fa.started, fa.median_days, fa.p90_days) == (2, 2, 6, 7.6)
    assert (fa.share_started_by_planned, fa.share_where_wished, fa.reported_free) == (50, 50, 3.0)
    assert (fb.placed, fb.started, fb.median_days, fb.p90_days) == (2, 1, 2, 2.0)
    assert (fb.share_started_by_planned, fb.share_where_wished, fb.reported_free) == (
        100,
        100,
        None,
    )
    # The kommune sees its own patients' placements; another helseforetak sees none.
    kommune_trusts, _places = placement_figures(vadso_rus, day0, TODAY())
    assert kommune_trusts[0].placed == 4
    other = make_unit(make_org("Annet HF", level=Organisation.Level.SPESIALIST), Kind.DPS, "DPS")
    assert placement_figures(other, day0, TODAY()) == ([], [])
    # The statistics page shows them to the leader; the CSV has one row per trust and place.
    from django.test import Client

    client = Client()
    client.force_login(leader)
    page = client.get(reverse("referrals:statistics"), {"fra": day0.isoformat()})
    assert page.status_code == 200
    assert "Sted A" in page.content.decode()
    csv = client.get(reverse("referrals:placement_csv")).content.decode("utf-8-sig")
    assert len(csv.strip().splitlines()) == 1 + 1 + 2
