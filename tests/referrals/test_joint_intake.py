"""Joint intake (én vei inn): put forward with consent, outcome with reasons in the pathway,
the assessment deadline untouched, and who may see and do what."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.acting import Actor
from pathways.models import CareTeamMember, Notification
from referrals.models import JointIntakeCase, JointIntakeForum, Referral, ReferralEvent
from referrals.placement import joint_intake as joint

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture
def forum(unn, unn_intake, vadso):
    forum = JointIntakeForum.objects.create(
        name="Felles inntak Øst-Finnmark",
        health_trust=unn,
        specialist_unit=unn_intake,
        weekday=TODAY().weekday(),
    )
    forum.kommuner.add(vadso)
    return forum


def put_forward(forum, patient, user, unit, **extra):
    data = {
        "question": "Trenger vurdering av døgnbehandling eller tett oppfølging i kommunen.",
        "consent_given_on": TODAY(),
        **extra,
    }
    return joint.case_add(forum=forum, patient=patient, actor=Actor(user, unit), **data)


def test_a_kommune_request_before_any_referral_brings_the_intake_team_in_on_consent(
    forum, patient, coordinator, vadso_rus, unn_intake
):
    case = put_forward(forum, patient, coordinator, vadso_rus)
    assert case.meeting_on == TODAY() and case.referral is None
    member = CareTeamMember.objects.get(patient=patient, unit=unn_intake, ended_at__isnull=True)
    assert member.basis == CareTeamMember.Basis.CONSENT


def _days(n: int):
    return lambda: TODAY() + datetime.timedelta(days=n)


# Dates relative to today are worked out when the test runs, not when it is collected (a run
# that passes midnight would otherwise try "tomorrow" on the day it has become today).
@pytest.mark.parametrize(
    "extra, field",
    [
        ({"meeting_on": _days(-7)}, "meeting_on"),
        ({"meeting_on": _days(1)}, "meeting_on"),
        ({"consent_given_on": _days(1)}, "consent_given_on"),
        ({"consent_given_on": None}, "consent_given_on"),
        ({"question": "x"}, "question"),
    ],
)
def test_bad_dates_and_empty_questions_are_refused_beside_the_field(
    forum, patient, coordinator, vadso_rus, extra, field
):
    extra = {key: value() if callable(value) else value for key, value in extra.items()}
    with pytest.raises(ValidationError) as refused:
        put_forward(forum, patient, coordinator, vadso_rus, **extra)
    assert field in refused.value.message_dict


def test_a_unit_outside_the_meeting_cannot_put_forward(
    forum, patient, other_kommune_user, sarpsborg_rus
):
    with pytest.raises(PermissionDenied):
        put_forward(forum, patient, other_kommune_user, sarpsborg_rus)


def test_a_kommune_only_outcome_lands_in_the_pathway_not_back_to_sender(
    login, forum, patient, coordinator, vadso_rus, tsb_intake, unn_intake
):
    case = put_forward(forum, patient, coordinator, vadso_rus)
    actor = Actor(tsb_intake, unn_intake)
    with pytest.raises(ValidationError) as refused:
        joint.case_decide(
            case=case, actor=actor, outcome="kommune", reasons="", next_steps="", version=1
        )
    assert {"reasons", "next_steps"} <= set(refused.value.message_dict)
    joint.case_decide(
        case=case,
        actor=actor,
        outcome="kommune",
        reasons="Rusbruken er moderat; tett oppfølging hjemme er nok nå.",
        next_steps="Kari følger opp ukentlig; ny vurdering om seks uker.",
        version=1,
    )
    assert Notification.objects.filter(user=coordinator, title__contains="Ola Nordmann").exists()
    overview = login(coordinator).get(reverse("pathways:patient_overview", args=[patient.pk]))
    html = overview.content.decode()
    assert "Kommunen" in html and "Kari følger opp ukentlig" in html


def test_with_a_referral_the_timeline_tells_and_the_deadline_keeps_running(
    forum, referral, coordinator, vadso_rus, tsb_intake, unn_intake
):
    due = referral.assessment_due
    case = put_forward(forum, referral.patient, coordinator, vadso_rus, referral=referral)
    joint.case_decide(
        case=case,
        actor=Actor(tsb_intake, unn_intake),
        outcome="both",
        reasons="Både rus og psykisk lidelse; FACT-teamet tar ham.",
        next_steps="FACT ringer innen en uke; inntaksteamet vurderer rett som vanlig.",
        version=1,
    )
    current = Referral.objects.get(pk=referral.pk)
    assert current.assessment_due == due and current.state in Referral.AWAITING_ASSESSMENT
    texts = list(
        ReferralEvent.objects.filter(
            referral=referral, kind=ReferralEvent.Kind.JOINT_INTAKE
        ).values_list("text", flat=True)
    )
    assert len(texts) == 2 and "FACT" in texts[1]


def test_a_stale_outcome_form_is_refused(
    forum, patient, coordinator, vadso_rus, tsb_intake, unn_intake
):
    from pathways.stale import StaleWrite

    case = put_forward(forum, patient, coordinator, vadso_rus)
    data = {
        "outcome": "specialist",
        "reasons": "Trenger døgnbehandling straks.",
        "next_steps": "Inntaksteamet kaller inn til samtale.",
    }
    joint.case_decide(case=case, actor=Actor(tsb_intake, unn_intake), version=1, **data)
    with pytest.raises(StaleWrite):
        joint.case_decide(case=case, actor=Actor(coordinator, vadso_rus), version=1, **data)


def test_pages_from_each_side_and_outsiders(
    login, forum, patient, coordinator, vadso_rus, tsb_intake, other_kommune_user, other_hf_user
):
    client = login(coordinator)
    add = reverse("joint_intake_add", args=[patient.pk])
    assert client.get(add).status_code == 200
    bad = client.post(add, {"forum": forum.pk, "question": "Hjelp", "consent_given_on": ""})
    assert bad.status_code == 200 and bad.context["form"].errors["consent_given_on"]
    assert bad.context["form"]["question"].value() == "Hjelp"
    done = client.post(
        add,
        {
            "forum": forum.pk,
            "question": "Trenger vurdering av døgnbehandling.",
            "consent_given_on": TODAY().isoformat(),
        },
    )
    assert done.status_code == 302
    case = JointIntakeCase.objects.get()
    intake = login(tsb_intake)
    listing = intake.get(reverse("joint_intake"))
    assert "Nordmann, Ola" in listing.content.decode()
    decide = reverse("joint_intake_decide", args=[patient.pk, case.pk])
    assert intake.get(decide).status_code == 200
    assert login(other_kommune_user).get(decide).status_code == 404
    assert login(other_hf_user).get(reverse("joint_intake")).status_code == 200
    assert "Nordmann" not in login(other_hf_user).get(reverse("joint_intake")).content.decode()
