"""Short lists read in one query (pathways/jsonrows.py): the plan's participants and
comments, the overview's care team, consents and next of kin come back as the ORM gives them,
with what they show of their unit, organisation, pårørende and author."""

import datetime

import pytest
from django.utils import timezone

from accounts.acting import Actor
from pathways.models import Consent, NextOfKin, Participant, PlanComment
from pathways.patients import selectors as patient_selectors
from pathways.patients.services.careteam import consent_record
from pathways.plan.selectors import plan_rows
from tests.pathways.plan.setup import start_plan

pytestmark = pytest.mark.django_db


def test_the_plans_short_lists_are_one_query(
    patient, coordinator, vadso_rus, django_assert_num_queries
):
    plan = start_plan(patient, coordinator, vadso_rus)
    sister = NextOfKin.objects.create(
        patient=patient, name="Kari Nordmann", relation="Søster", phone="41234567"
    )
    Participant.objects.create(plan=plan, kind=Participant.Kind.UNIT, unit=vadso_rus, role="Bolig")
    Participant.objects.create(plan=plan, kind=Participant.Kind.NEXT_OF_KIN, next_of_kin=sister)
    Participant.objects.create(plan=plan, kind=Participant.Kind.PERSON, name="Fastlege Berg")
    for unit in (vadso_rus, None):
        PlanComment.objects.create(
            plan=plan, by=coordinator, unit=unit, section=PlanComment.Section.GOALS, text="Fint."
        )
    with django_assert_num_queries(1):
        listed = plan_rows(plan)

    def participant(p):
        return (p.pk, p.display_name, p.get_kind_display(), p.role_display, p.contact_phone)

    def comment(c):
        unit = c.unit.name if c.unit else None
        return (c.pk, c.by.get_full_name(), c.by.username, unit, c.at, c.get_section_display())

    expected = plan.participants.select_related("unit", "next_of_kin")
    assert [participant(p) for p in listed.participants] == [participant(p) for p in expected]
    assert len(listed.participants) == 4  # the patient, added when the plan started
    comments = plan.comments.select_related("by", "unit")
    assert [comment(c) for c in listed.comments] == [comment(c) for c in comments]
    assert {c.unit_id for c in listed.comments} == {vadso_rus.pk, None}


def test_the_overviews_short_lists_are_one_query(
    patient, coordinator, vadso_rus, unn_tsb, django_assert_num_queries
):
    today = timezone.localdate()
    consent_record(
        patient=patient,
        actor=Actor(coordinator, vadso_rus),
        scope=Consent.Scope.SHARING,
        given_on=today,
        units=[unn_tsb],
        valid_until=today + datetime.timedelta(days=90),
    )
    Consent.objects.create(
        patient=patient,
        scope=Consent.Scope.REFERRAL,
        given_on=today - datetime.timedelta(days=400),
        valid_until=today - datetime.timedelta(days=30),
        recorded_by=coordinator,
    )
    for name in ("Per", "Anne"):
        NextOfKin.objects.create(patient=patient, name=name, relation="Bror", phone="")
    with django_assert_num_queries(1):
        team, consents, kin = patient_selectors.overview_rows(patient.pk)

    expected_team = patient_selectors.care_team_for(patient).filter(ended_at__isnull=True)
    assert [(m.pk, m.unit.name, m.unit.organisation.name, m.get_role_display()) for m in team] == [
        (m.pk, m.unit.name, m.unit.organisation.name, m.get_role_display()) for m in expected_team
    ]
    assert len(team) >= 2

    def shown(c):
        unit = c.unit.name if c.unit else None
        return (c.pk, c.get_scope_display(), unit, c.given_on, c.valid_until)

    in_force = [c for c in patient_selectors.consents_for(patient) if c.is_in_force]
    assert [shown(c) for c in consents] == [shown(c) for c in in_force]
    assert consents and all(c.scope != Consent.Scope.REFERRAL for c in consents)  # expired
    assert [(k.name, k.relation) for k in kin] == [("Anne", "Bror"), ("Per", "Bror")]
