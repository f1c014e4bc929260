"""A second open referral from the same unit to the same unit for the same patient needs an
explicit "send anyway", with the open one shown; the choice is audited."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import AuditEvent, Membership
from referrals import services
from referrals.models import Referral, ReferralEvent
from tests.factories import make_unit, make_user
from tests.referrals.conftest import referral_data, send_referral
from tests.security.conftest import page_form

pytestmark = pytest.mark.django_db

ALREADY_OPEN = "Enheten din har allerede en åpen henvisning for denne pasienten til"


def _new_url(patient):
    return reverse("referrals:new") + f"?pasient={patient.pk}"


def _form(client, patient, unit, action="send"):
    data = page_form(client.get(_new_url(patient)).content.decode())
    data.update(
        receiving_unit=unit.pk,
        reason="Ny episode med alkohol og benzodiazepiner.",
        question="Ny vurdering av rett til TSB.",
        urgency="ordinary",
        consent_given_on=timezone.localdate().isoformat(),
        action=action,
    )
    return data


def test_the_service_refuses_a_second_open_referral_without_send_anyway(
    patient, coordinator, vadso_rus, unn_intake, referral
):
    with pytest.raises(services.DuplicateReferral) as refused:
        send_referral(patient, coordinator, vadso_rus, unn_intake)
    assert refused.value.existing == [referral]
    assert "send_anyway" in refused.value.message_dict
    # Nothing of the second was kept: not even its draft.
    assert list(Referral.objects.filter(patient=patient)) == [referral]


def test_send_anyway_sends_and_is_audited(patient, coordinator, vadso_rus, unn_intake, referral):
    second = services.referral_create(
        patient=patient,
        actor=Actor(coordinator, vadso_rus),
        receiving_unit=unn_intake,
        data=referral_data(),
        send=True,
        send_anyway=True,
    )
    assert second.state == Referral.State.RECEIVED
    event = AuditEvent.objects.get(object_id=str(second.pk), detail__contains="#")
    assert event.user == coordinator
    assert f"#{referral.pk}" in event.detail
    sent = second.events.get(kind=ReferralEvent.Kind.SENT)
    assert "sendt likevel" in sent.text


def test_only_an_open_referral_from_the_same_unit_to_the_same_unit_counts(
    patient, coordinator, vadso_rus, unn_intake, tsb_intake, referral, unn
):
    # Another unit at UNN: a different referral.
    dps = make_unit(unn, kind="dps", name="DPS Nord")
    send_referral(patient, coordinator, vadso_rus, dps)
    # Another kommune unit referring to the same unit: not this unit's duplicate.
    nav = make_unit(vadso_rus.organisation, name="Vadsø psykisk helse")
    nav_user = make_user(nav, Membership.Role.COORDINATOR)
    send_referral(patient, nav_user, nav, unn_intake)
    # Once the first referral is withdrawn, a new one goes through.
    services.referral_withdraw(
        referral=referral, actor=Actor(coordinator, vadso_rus), reason="Feil enhet"
    )
    again = send_referral(patient, coordinator, vadso_rus, unn_intake)
    assert again.state == Referral.State.RECEIVED


def test_the_form_shows_the_open_referral_and_asks_to_send_anyway(
    login, coordinator, patient, unn_intake, referral
):
    client = login(coordinator)
    data = _form(client, patient, unn_intake)
    answer = client.post(_new_url(patient), data)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert ALREADY_OPEN in html
    assert reverse("referrals:detail", args=[referral.pk]) in html
    assert 'type="checkbox" name="send_anyway"' in html
    shown = page_form(html)
    assert shown["reason"].strip() == data["reason"]
    assert Referral.objects.filter(patient=patient).count() == 1

    # Ticked, it is sent (the same form: its key was not used by the refusal).
    shown.update(action="send", send_anyway="on")
    sent = client.post(_new_url(patient), shown)
    assert sent.status_code == 302
    assert Referral.objects.filter(patient=patient, state="received").count() == 2


def test_a_draft_saved_needs_no_choice_but_sending_it_does(
    login, coordinator, patient, unn_intake, referral
):
    client = login(coordinator)
    draft_saved = client.post(_new_url(patient), _form(client, patient, unn_intake, action="draft"))
    assert draft_saved.status_code == 302
    draft = Referral.objects.get(patient=patient, state=Referral.State.DRAFT)
    # The detail page's send button leads back to the draft, which shows the open referral.
    sent = client.post(reverse("referrals:send", args=[draft.pk]))
    assert sent["Location"] == reverse("referrals:edit", args=[draft.pk])
    page = client.get(sent["Location"])
    html = page.content.decode()
    assert ALREADY_OPEN in html
    assert reverse("referrals:detail", args=[referral.pk]) in html
    draft.refresh_from_db()
    assert draft.is_draft
    data = page_form(html)
    data.update(action="send", send_anyway="on")
    assert client.post(sent["Location"], data).status_code == 302
    draft.refresh_from_db()
    assert draft.state == Referral.State.RECEIVED


def test_a_colleague_is_asked_too_and_an_outsider_sees_nothing(
    login, colleague, other_kommune_user, patient, unn_intake, referral
):
    client = login(colleague)
    answer = client.post(_new_url(patient), _form(client, patient, unn_intake))
    assert ALREADY_OPEN in answer.content.decode()
    # A unit outside the care team gets no form, so learns nothing of the open referral.
    assert login(other_kommune_user).get(_new_url(patient)).status_code == 404
