"""A consent in force for a purpose and unit is reused wherever a consent is asked for
(referral, care team, individual plan, ansvarsgruppe); withdrawn and expired ones are not."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from accounts.acting import Actor
from pathways.meetings.services import group_create
from pathways.models import CareTeamMember, Consent, GroupMember
from pathways.patients.services.careteam import (
    care_team_leave,
    consent_record,
    consent_withdraw,
)
from referrals.models import Referral
from tests.security.conftest import page_form

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _record(patient, by, unit, scope, units=(), **extra):
    return consent_record(
        patient=patient,
        actor=Actor(by, unit),
        scope=scope,
        given_on=extra.pop("given_on", TODAY() - datetime.timedelta(days=1)),
        units=units,
        **extra,
    )


def test_the_referral_form_offers_the_consent_recorded_minutes_earlier(
    login, coordinator, vadso_rus, patient, unn_intake
):
    earlier = TODAY() - datetime.timedelta(days=2)
    [consent] = _record(
        patient, coordinator, vadso_rus, Consent.Scope.REFERRAL, [unn_intake], given_on=earlier
    )
    client = login(coordinator)
    url = reverse("referrals:new") + f"?pasient={patient.pk}"
    page = client.get(url).content.decode()
    assert "Samtykke som gjelder: TSB inntaksteam, gitt" in page
    assert "Det brukes når henvisningen går til den enheten" in page
    data = page_form(page)
    # A consent to one unit fills in no date: the form does not know where the referral goes.
    assert not data.get("consent_given_on")
    data.update(
        receiving_unit=unn_intake.pk,
        reason="Økende alkoholbruk",
        question="Vurdering av rett til TSB",
        urgency="ordinary",
        action="send",
    )
    assert client.post(url, data).status_code == 302
    referral = Referral.objects.get(patient=patient)
    assert referral.consent == consent
    assert referral.consent_given_on == earlier
    assert Consent.objects.filter(patient=patient, scope=Consent.Scope.REFERRAL).count() == 1


def test_a_referral_consent_for_no_particular_unit_is_reused_too(
    coordinator, vadso_rus, patient, unn_intake
):
    from tests.referrals.conftest import send_referral

    [general] = _record(patient, coordinator, vadso_rus, Consent.Scope.REFERRAL)
    referral = send_referral(patient, coordinator, vadso_rus, unn_intake, consent_given_on=None)
    assert referral.consent == general
    assert Consent.objects.filter(patient=patient).count() == 1


def test_withdrawn_and_expired_consents_are_neither_offered_nor_reused(
    login, coordinator, vadso_rus, patient, unn_intake
):
    [withdrawn] = _record(patient, coordinator, vadso_rus, Consent.Scope.REFERRAL, [unn_intake])
    consent_withdraw(consent=withdrawn, actor=Actor(coordinator, vadso_rus))
    Consent.objects.create(
        patient=patient,
        unit=unn_intake,
        scope=Consent.Scope.REFERRAL,
        given_on=TODAY() - datetime.timedelta(days=60),
        valid_until=TODAY() - datetime.timedelta(days=1),
        recorded_by=coordinator,
    )
    client = login(coordinator)
    url = reverse("referrals:new") + f"?pasient={patient.pk}"
    page = client.get(url).content.decode()
    assert "Samtykke som gjelder" not in page
    assert page_form(page)["consent_given_on"] == ""
    from tests.referrals.conftest import send_referral

    referral = send_referral(patient, coordinator, vadso_rus, unn_intake)
    assert referral.consent not in (withdrawn, None)
    assert referral.consent.is_in_force


def test_the_same_consent_recorded_again_is_reused_and_a_renewal_is_recorded(
    login, coordinator, vadso_rus, patient, unn_tsb
):
    client = login(coordinator)
    url = reverse("pathways:consent_new", args=[patient.pk])
    data = page_form(client.get(url).content.decode())
    data.update(scope=Consent.Scope.INDIVIDUAL_PLAN)
    assert client.post(url, data).status_code == 302
    again = page_form(client.get(url).content.decode())
    again.update(scope=Consent.Scope.INDIVIDUAL_PLAN)
    answer = client.post(url, again)
    assert answer.status_code == 302
    messages = [str(m) for m in get_messages(answer.wsgi_request)]
    assert any("det brukes og registreres ikke på nytt" in m for m in messages)
    plan_consents = Consent.objects.filter(patient=patient, scope=Consent.Scope.INDIVIDUAL_PLAN)
    assert plan_consents.count() == 1
    # A consent that runs out is renewed by a new one; a shorter one adds nothing.
    [limited] = _record(
        patient,
        coordinator,
        vadso_rus,
        Consent.Scope.SHARING,
        [unn_tsb],
        valid_until=TODAY() + datetime.timedelta(days=30),
    )
    [same] = _record(
        patient,
        coordinator,
        vadso_rus,
        Consent.Scope.SHARING,
        [unn_tsb],
        valid_until=TODAY() + datetime.timedelta(days=10),
    )
    assert same == limited and same.reused
    [renewal] = _record(patient, coordinator, vadso_rus, Consent.Scope.SHARING, [unn_tsb])
    assert renewal != limited and not renewal.reused


def test_a_unit_back_on_the_care_team_rests_on_the_consent_in_force(
    login, coordinator, vadso_rus, shared_patient, unn_tsb
):
    [sharing] = Consent.objects.filter(patient=shared_patient, scope=Consent.Scope.SHARING)
    member = CareTeamMember.objects.active().get(patient=shared_patient, unit=unn_tsb)
    care_team_leave(member=member, actor=Actor(coordinator, vadso_rus), reason="Pause")
    client = login(coordinator)
    url = reverse("pathways:care_team_add", args=[shared_patient.pk])
    data = page_form(client.get(url).content.decode())
    data.update(unit=unn_tsb.pk, role=CareTeamMember.Role.TREATING)
    answer = client.post(url, data)
    assert answer.status_code == 302
    messages = [str(m) for m in get_messages(answer.wsgi_request)]
    assert any("på samtykket som har gjeldt siden" in m for m in messages)
    back = CareTeamMember.objects.active().get(patient=shared_patient, unit=unn_tsb)
    assert back.consent == sharing
    assert Consent.objects.filter(patient=shared_patient).count() == 1


def test_the_plan_uses_the_consent_in_force_and_asks_for_none_withdrawn(
    login, coordinator, vadso_rus, patient
):
    [plan_consent] = _record(patient, coordinator, vadso_rus, Consent.Scope.INDIVIDUAL_PLAN)
    client = login(coordinator)
    url = reverse("pathways:plan_new", args=[patient.pk])
    assert "consent_given_on" not in page_form(client.get(url).content.decode())
    consent_withdraw(consent=plan_consent, actor=Actor(coordinator, vadso_rus))
    assert "consent_given_on" in page_form(client.get(url).content.decode())


def test_ansvarsgruppe_members_take_part_on_a_consent_in_force(
    login, coordinator, vadso_rus, patient
):
    actor = Actor(coordinator, vadso_rus)
    group_create(patient=patient, actor=actor)
    [consent] = _record(patient, coordinator, vadso_rus, Consent.Scope.INDIVIDUAL_PLAN)
    [gone] = _record(patient, coordinator, vadso_rus, Consent.Scope.REFERRAL)
    consent_withdraw(consent=gone, actor=actor)
    client = login(coordinator)
    url = reverse("pathways:member_add_external", args=[patient.pk])
    page = client.get(url).content.decode()
    assert f'<option value="{consent.pk}">' in page
    assert f'<option value="{gone.pk}">' not in page
    data = page_form(page)
    # A professional typed on the member (pårørende come from the register, see the people
    # register tests): the consent in force is the basis.
    data.update(
        person="",
        name="Lise Berg",
        role=GroupMember.Role.FASTLEGE,
        basis="other",
        consent=consent.pk,
    )
    assert client.post(url, data).status_code == 302
    member = GroupMember.objects.get(name="Lise Berg")
    assert member.basis == GroupMember.Basis.CONSENT
    assert member.basis_note == consent.describe()
    # A consent withdrawn between opening the form and saving it is refused beside the field.
    consent_withdraw(consent=consent, actor=actor)
    data.update(name="Per Hansen", form_key="")
    answer = client.post(url, data)
    assert answer.status_code == 200
    assert not GroupMember.objects.filter(name="Per Hansen").exists()


def test_a_consent_to_another_unit_is_not_taken_for_this_referral(
    login, coordinator, vadso_rus, patient, unn_intake, unn_tsb
):
    earlier = TODAY() - datetime.timedelta(days=2)
    [other] = _record(
        patient, coordinator, vadso_rus, Consent.Scope.REFERRAL, [unn_tsb], given_on=earlier
    )
    client = login(coordinator)
    url = reverse("referrals:new") + f"?pasient={patient.pk}"
    data = page_form(client.get(url).content.decode())
    assert not data.get("consent_given_on")
    data.update(
        receiving_unit=unn_intake.pk,
        reason="Økende alkoholbruk",
        question="Vurdering av rett til TSB",
        urgency="ordinary",
        action="send",
    )
    # No date: the consent to the other unit does not count; the form says what is missing.
    response = client.post(url, data)
    assert response.status_code == 200
    assert not Referral.objects.filter(patient=patient).exists()
    data["consent_given_on"] = TODAY().isoformat()
    assert client.post(url, data).status_code == 302
    referral = Referral.objects.get(patient=patient)
    assert referral.consent != other and referral.consent.unit == unn_intake
    assert referral.consent_given_on == TODAY()
    other.refresh_from_db()
    assert other.given_on == earlier and other.unit == unn_tsb
