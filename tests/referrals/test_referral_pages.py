"""The referral pages: the access ladder, forms that keep what was typed, tabs and counts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import localize

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.models import CareTeamMember, Consent
from pathways.patients.services.careteam import consent_record
from referrals import services
from referrals.models import Referral
from tests.factories import make_patient
from tests.referrals.conftest import send_referral

pytestmark = pytest.mark.django_db


def detail(referral):
    return reverse("referrals:detail", args=[referral.pk])


def assess_url(referral):
    return reverse("referrals:assess", args=[referral.pk])


def test_anonymous_is_sent_to_login(client, referral):
    for url in (detail(referral), reverse("referrals:list"), assess_url(referral)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_outsiders_get_404(login, other_kommune_user, other_hf_user, referral):
    for user in (other_kommune_user, other_hf_user):
        client = login(user)
        assert client.get(detail(referral)).status_code == 404
        assert client.get(assess_url(referral)).status_code == 404
        assert client.get(reverse("referrals:answer_pdf", args=[referral.pk])).status_code == 404


def test_a_missing_referral_looks_like_a_hidden_one(login, coordinator):
    assert login(coordinator).get("/henvisninger/999999/").status_code == 404


def test_both_sides_see_the_referral_and_its_timeline(login, coordinator, tsb_intake, referral):
    for user in (coordinator, tsb_intake):
        response = login(user).get(detail(referral))
        assert response.status_code == 200
        assert "Tidslinje" in response.content.decode() or "Timeline" in response.content.decode()
    assert AuditEvent.objects.filter(
        user=tsb_intake, action="view", object_type="referrals.referral"
    ).exists()


def test_a_read_only_unit_sees_but_may_not_act(
    login, referral, unn_tsb, coordinator, vadso_rus, tsb_clinician
):
    consent_record(
        patient=referral.patient,
        actor=Actor(coordinator, vadso_rus),
        scope=Consent.Scope.SHARING,
        given_on=timezone.localdate(),
        units=[unn_tsb],
        role=CareTeamMember.Role.INFORMED,
    )
    client = login(tsb_clinician)
    assert client.get(detail(referral)).status_code == 200
    assert client.get(assess_url(referral)).status_code == 403
    assert (
        client.post(reverse("referrals:withdraw", args=[referral.pk]), {"reason": "x"}).status_code
        == 403
    )


def test_the_kommune_may_not_open_the_assessment_form(login, coordinator, referral):
    assert login(coordinator).get(assess_url(referral)).status_code == 403


def test_another_units_draft_is_hidden(
    login, tsb_intake, patient, coordinator, vadso_rus, unn_intake, referral
):
    draft = services.referral_create(
        patient=patient,
        actor=Actor(coordinator, vadso_rus),
        receiving_unit=unn_intake,
        data={"reason": "Utkast", "question": "?"},
        send=False,
    )
    assert login(tsb_intake).get(detail(draft)).status_code == 404
    assert login(coordinator).get(detail(draft)).status_code == 200


def test_the_new_referral_page_needs_access_to_the_patient(
    login, other_kommune_user, coordinator, patient
):
    url = reverse("referrals:new") + f"?pasient={patient.pk}"
    assert login(other_kommune_user).get(url).status_code == 404
    assert login(coordinator).get(url).status_code == 200
    assert login(coordinator).get(reverse("referrals:new") + "?pasient=abc").status_code == 404


def test_a_referral_sent_from_the_form_reaches_the_intake_team(
    login, coordinator, patient, unn_intake
):
    client = login(coordinator)
    url = reverse("referrals:new") + f"?pasient={patient.pk}"
    form = {
        "receiving_unit": unn_intake.pk,
        "urgency": "urgent",
        "reason": "Rusmiddelbruk med økende omfang.",
        "question": "Behov for døgnbehandling?",
        "action": "send",
    }
    response = client.post(url, form)
    # Without the consent date nothing is sent, and what was typed is still there.
    assert response.status_code == 200
    page = response.content.decode()
    assert "Rusmiddelbruk med økende omfang." in page
    assert not Referral.objects.exists()
    form["consent_given_on"] = timezone.localdate().isoformat()
    response = client.post(url, form)
    referral = Referral.objects.get()
    assert response["Location"] == detail(referral)
    assert referral.state == "received" and referral.is_urgent


def test_a_bad_frist_is_refused_beside_the_field_and_the_typed_values_kept(
    login, tsb_intake, referral
):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Referral.objects.filter(pk=referral.pk).update(
        received_on=yesterday - datetime.timedelta(days=3)
    )
    response = login(tsb_intake).post(
        assess_url(referral),
        {
            "decision": "grant",
            "start_deadline": yesterday.isoformat(),
            "help_kind": "inpatient",
            "note": "Vi tar kontakt.",
            "version": referral.version,
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Vi tar kontakt." in page
    assert 'id="id_start_deadline_error"' in page
    referral.refresh_from_db()
    assert referral.state == "received"


def test_a_stale_assessment_form_shows_a_conflict_and_keeps_the_text(
    login, tsb_intake, unn_intake, referral
):
    old_version = referral.version
    services.referral_start_assessment(referral=referral, actor=Actor(tsb_intake, unn_intake))
    response = login(tsb_intake).post(
        assess_url(referral),
        {"decision": "reject", "rejection_reason": "Hører til DPS.", "version": old_version},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Hører til DPS." in page
    # The shared conflict screen: what was saved meanwhile beside what was typed.
    assert "notice--conflict" in page
    assert "Noen andre endret henvisningen" in page
    referral.refresh_from_db()
    assert referral.state == "under_assessment"
    # The form now carries the version stored: a save made after seeing the conflict applies.
    assert response.context["form"]["version"].value() == referral.version


def test_a_second_save_of_a_stale_assessment_form_never_overwrites(
    login, tsb_intake, unn_intake, referral
):
    old_version = referral.version
    other = services.referral_grant(
        referral=referral,
        actor=Actor(tsb_intake, unn_intake),
        start_deadline=timezone.localdate() + datetime.timedelta(days=30),
        help_kind="inpatient",
        version=old_version,
    )
    client = login(tsb_intake)
    stale = {"decision": "reject", "rejection_reason": "Hører til DPS.", "version": old_version}
    for _ in range(2):
        response = client.post(assess_url(referral), stale)
        assert response.status_code == 200
        page = response.content.decode()
        # The other person's decision and frist beside what was typed, which is kept.
        assert "notice--conflict" in page
        assert "Hører til DPS." in page
        with translation.override("nb"):
            assert localize(other.start_deadline) in page
        referral.refresh_from_db()
        assert referral.state == "granted" and referral.rejection_reason == ""
        assert referral.version == other.version


def test_a_second_save_of_a_stale_draft_never_overwrites_and_a_save_after_seeing_it_applies(
    login, patient, coordinator, vadso_rus, unn_intake
):
    from tests.referrals.conftest import referral_data

    draft = services.referral_create(
        patient=patient,
        actor=Actor(coordinator, vadso_rus),
        receiving_unit=unn_intake,
        data=referral_data(),
        send=False,
    )
    url = reverse("referrals:edit", args=[draft.pk])
    old_version = draft.version
    services.referral_update_draft(
        referral=draft,
        actor=Actor(coordinator, vadso_rus),
        receiving_unit=unn_intake,
        data=referral_data(reason="Endret av en kollega."),
        version=old_version,
    )
    client = login(coordinator)
    typed = {
        **referral_data(reason="Min egen tekst."),
        "receiving_unit": unn_intake.pk,
        "action": "draft",
        "version": old_version,
    }
    for _ in range(2):
        response = client.post(url, typed)
        assert response.status_code == 200
        page = response.content.decode()
        assert "notice--conflict" in page
        assert "Endret av en kollega." in page and "Min egen tekst." in page
        draft.refresh_from_db()
        assert draft.reason == "Endret av en kollega."
    seen = response.context["form"]["version"].value()
    assert seen == draft.version
    response = client.post(url, {**typed, "version": seen})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.reason == "Min egen tekst." and draft.is_draft


def test_a_draft_sent_by_a_colleague_meanwhile_is_not_changed_by_the_edit_form(
    login, patient, coordinator, vadso_rus, unn_intake
):
    from tests.referrals.conftest import referral_data

    draft = services.referral_create(
        patient=patient,
        actor=Actor(coordinator, vadso_rus),
        receiving_unit=unn_intake,
        data=referral_data(),
        send=False,
    )
    url = reverse("referrals:edit", args=[draft.pk])
    typed = {
        **referral_data(reason="Min egen tekst."),
        "receiving_unit": unn_intake.pk,
        "action": "draft",
        "version": draft.version,
    }
    services.referral_send(referral=draft, actor=Actor(coordinator, vadso_rus))
    client = login(coordinator)
    response = client.post(url, typed)
    assert response.status_code == 200
    assert "notice--conflict" in response.content.decode()
    assert "Min egen tekst." in response.content.decode()
    # Saving again after seeing it is still refused: only drafts change.
    seen = response.context["form"]["version"].value()
    response = client.post(url, {**typed, "version": seen})
    assert response.status_code == 200
    assert "notice--conflict" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == "received" and draft.reason != "Min egen tekst."
    # Opening the edit page of a sent referral leads back to it with a message.
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == detail(draft)


def test_a_draft_sent_from_the_edit_form_with_missing_consent_saves_nothing(
    login, patient, coordinator, vadso_rus, unn_intake
):
    from tests.referrals.conftest import referral_data

    draft = services.referral_create(
        patient=patient,
        actor=Actor(coordinator, vadso_rus),
        receiving_unit=unn_intake,
        data=referral_data(consent_given_on=None),
        send=False,
    )
    typed = {
        **referral_data(reason="Ny tekst.", consent_given_on=""),
        "receiving_unit": unn_intake.pk,
        "action": "send",
        "version": draft.version,
    }
    response = login(coordinator).post(reverse("referrals:edit", args=[draft.pk]), typed)
    assert response.status_code == 200
    assert 'id="id_consent_given_on_error"' in response.content.decode()
    draft.refresh_from_db()
    assert draft.is_draft and draft.reason != "Ny tekst."


def test_granting_through_the_form(login, tsb_intake, referral):
    frist = timezone.localdate() + datetime.timedelta(days=40)
    response = login(tsb_intake).post(
        assess_url(referral),
        {
            "decision": "grant",
            "start_deadline": frist.isoformat(),
            "help_kind": "outpatient",
            "version": referral.version,
        },
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.state == "granted" and referral.start_deadline == frist


def test_rejecting_and_forwarding_through_the_form(login, tsb_intake, referral, unn_dps):
    response = login(tsb_intake).post(
        assess_url(referral),
        {
            "decision": "reject",
            "rejection_reason": "Psykoseproblematikk.",
            "forward_to": unn_dps.pk,
            "version": referral.version,
        },
    )
    assert response.status_code == 302
    new = Referral.objects.get(forwarded_from=referral)
    assert new.receiving_unit == unn_dps and new.seniority_date == referral.seniority_date


def test_forwarding_to_the_same_unit_is_refused_in_the_form(
    login, tsb_intake, referral, unn_intake
):
    response = login(tsb_intake).post(
        assess_url(referral),
        {
            "decision": "reject",
            "rejection_reason": "Feil",
            "forward_to": unn_intake.pk,
            "version": referral.version,
        },
    )
    assert response.status_code == 200
    assert 'id="id_forward_to_error"' in response.content.decode()


def test_the_forward_choices_leave_out_the_assessing_unit_and_the_referrer(
    login, tsb_intake, referral, unn_intake, unn_dps, unn_tsb
):
    client = login(tsb_intake)
    choices = client.get(assess_url(referral)).context["form"].fields["forward_to"].queryset
    assert unn_dps in choices and unn_tsb in choices
    assert unn_intake not in choices and referral.referring_unit not in choices
    services.referral_reject(referral=referral, actor=Actor(tsb_intake, unn_intake), reason="Feil")
    page = client.get(reverse("referrals:forward", args=[referral.pk]))
    choices = page.context["form"].fields["forward_to"].queryset
    assert unn_dps in choices and unn_intake not in choices
    # A hand-made post of the own unit is still refused beside the field.
    refused = client.post(
        reverse("referrals:forward", args=[referral.pk]), {"forward_to": unn_intake.pk}
    )
    assert refused.status_code == 200
    assert 'id="id_forward_to_error"' in refused.content.decode()
    assert not Referral.objects.filter(forwarded_from=referral).exists()


def test_assessing_a_withdrawn_referral_sends_you_back_with_a_message(
    login, coordinator, vadso_rus, tsb_intake, referral
):
    services.referral_withdraw(
        referral=referral, actor=Actor(coordinator, vadso_rus), reason="Flyttet"
    )
    response = login(tsb_intake).get(assess_url(referral), follow=True)
    assert response.redirect_chain[-1][0] == detail(referral)
    assert list(response.context["messages"])


def test_every_action_page_renders_for_the_side_that_owns_it(
    login, granted, tsb_intake, coordinator
):
    intake = login(tsb_intake)
    for name in ("start_treatment", "frist_risk", "close"):
        assert intake.get(reverse(f"referrals:{name}", args=[granted.pk])).status_code == 200
    kommune = login(coordinator)
    for name in ("follow_up", "withdraw"):
        assert kommune.get(reverse(f"referrals:{name}", args=[granted.pk])).status_code == 200


def test_bad_input_never_gives_a_500(login, tsb_intake, referral):
    client = login(tsb_intake)
    response = client.post(
        assess_url(referral), {"decision": "nonsense", "start_deadline": "31.02", "version": "x"}
    )
    assert response.status_code == 200
    response = client.get(reverse("referrals:list") + "?fane=zzz&innen=-4&status=<b>")
    assert response.status_code == 200


def test_the_lists_show_tabs_with_counts(login, tsb_intake, coordinator, referral):
    page = login(tsb_intake).get(reverse("referrals:list")).content.decode()
    assert "(1)" in page and referral.patient.last_name in page
    page = login(coordinator).get(reverse("referrals:list") + "?fane=sendt").content.decode()
    assert referral.patient.last_name in page


def test_the_incoming_list_filters_on_under_23(login, tsb_intake, referral):
    page = login(tsb_intake).get(reverse("referrals:list") + "?fane=innkommende&under23=on")
    assert referral.patient.last_name not in page.content.decode()


def _rows(tab, n, vadso_rus, coordinator, unn_intake, tsb_intake):
    """``n`` referrals that show on ``tab``: sent (incoming at UNN, sent from Vadsø), or sent
    and granted (UNN's waiting list)."""
    for _ in range(n):
        p = make_patient(vadso_rus, by=coordinator)
        r = send_referral(p, coordinator, vadso_rus, unn_intake)
        if tab == "venteliste":
            services.referral_grant(
                referral=r,
                actor=Actor(tsb_intake, unn_intake),
                start_deadline=timezone.localdate() + datetime.timedelta(days=20),
                help_kind="outpatient",
            )


@pytest.mark.parametrize("tab", ["innkommende", "venteliste", "sendt"])
def test_a_list_costs_the_same_queries_for_one_row_and_thirty(
    login, tab, coordinator, vadso_rus, unn_intake, tsb_intake, django_assert_num_queries
):
    user = coordinator if tab == "sendt" else tsb_intake
    url = reverse("referrals:list") + f"?fane={tab}"
    _rows(tab, 1, vadso_rus, coordinator, unn_intake, tsb_intake)
    client = login(user)
    # The first look after referrals changed counts the tabs again and keeps the counts
    # (read, count, store) and the rendered rows; it warms the session too.
    client.get(url)
    # Session, user with memberships (the roles come with them), unread notifications and
    # the kept tab counts with the rows' version: four, however many rows (the session is
    # renewed once a minute, not written on every request). The rows are the kept ones.
    with django_assert_num_queries(4):
        response = client.get(url)
    assert response.status_code == 200
    assert _row_count(response) == 1
    _rows(tab, 29, vadso_rus, coordinator, unn_intake, tsb_intake)
    # Changed: counted and stored again, the rows read (one query for the page), and the
    # part looked up in and stored to the shared kept parts.
    with django_assert_num_queries(9):
        response = client.get(url)
    assert _row_count(response) == 30
    with django_assert_num_queries(4):
        response = client.get(url)
    assert response.status_code == 200
    assert _row_count(response) == 30


def _row_count(response) -> int:
    return response.content.decode().count('<th scope="row">')


def test_the_detail_page_costs_a_fixed_number_of_queries(
    login, granted, tsb_intake, django_assert_max_num_queries
):
    client = login(tsb_intake)
    client.get(detail(granted))
    with django_assert_max_num_queries(20):
        client.get(detail(granted))


def test_the_patient_overview_lists_the_referrals(login, coordinator, referral):
    response = login(coordinator).get(
        reverse("pathways:patient_overview", args=[referral.patient_id])
    )
    page = response.content.decode()
    assert referral.receiving_unit.name in page
    assert reverse("referrals:new") in page


def test_an_action_form_shown_again_with_errors_is_one_read_and_a_refusal_none(
    login, referral, coordinator, tsb_intake
):
    reads = AuditEvent.objects.filter(action="view", object_type="referrals.referral")
    before = reads.count()
    # The referrer withdraws without a reason: the form comes back with the error beside it.
    response = login(coordinator).post(
        reverse("referrals:withdraw", args=[referral.pk]), {"reason": ""}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert reads.count() == before + 1
    assert reads.latest("at").user == coordinator
    # The receiving unit may not withdraw: refused, and a refusal is not a read.
    refused = login(tsb_intake).post(reverse("referrals:withdraw", args=[referral.pk]), {})
    assert refused.status_code == 403
    assert reads.count() == before + 1
