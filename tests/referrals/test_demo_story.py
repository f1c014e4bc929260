"""The demo's discharge stories agree: referrals, episodes and messages tell one story."""

import datetime

import pytest
from django.utils import timezone
from django.utils.module_loading import import_string

from pathways.demo import EXTENSIONS
from pathways.models import KommuneMessage, PlanningMeeting, TreatmentEpisode
from pathways.patients import demo as base
from referrals import rules, selectors
from referrals.models import Referral, ReferralEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    demo = base.seed()
    demo.today = timezone.localdate()
    for path in EXTENSIONS:
        import_string(path)(demo)
    return demo


def test_the_discharge_stories_referrals_episodes_and_messages_agree(demo):
    discharged = demo.patients[11]
    referral = Referral.objects.get(patient=discharged, receiving_unit=demo.units["unn_dogn"])
    episode = TreatmentEpisode.objects.get(patient=discharged, unit=demo.units["unn_dogn"])
    assert episode.ended_at is not None
    assert referral.treatment_episode == episode
    assert referral.state == Referral.State.COMPLETED
    assert referral.treatment_started_on == timezone.localdate(episode.started_at)
    assert KommuneMessage.objects.filter(
        episode=episode, kind=KommuneMessage.Kind.DISCHARGED
    ).exists()
    # Nobody in treatment or discharged is on a waiting list or gets a frist warning.
    treated = set(TreatmentEpisode.objects.values_list("patient_id", "unit_id"))
    for unit in demo.units.values():
        for waiting in selectors.unit_referrals(unit, selectors.WAITING):
            assert (waiting.patient_id, waiting.receiving_unit_id) not in treated
    now = timezone.now()
    for due in [*rules.frist_soon(now), *rules.frist_passed(now)]:
        assert (due.obj.patient_id, due.obj.receiving_unit_id) not in treated
    # Every episode started from a referral and still open keeps it at treatment started;
    # every ended one (not transferred) completed it.
    for linked in Referral.objects.filter(treatment_episode__isnull=False).select_related(
        "treatment_episode"
    ):
        if linked.treatment_episode.ended_at is None:
            assert linked.state == Referral.State.TREATMENT_STARTED
        else:
            assert linked.state == Referral.State.COMPLETED


def test_the_demo_places_one_patient_where_wished_and_one_elsewhere_with_a_reason(demo):
    from referrals.models import TreatmentPlace

    places = TreatmentPlace.objects.all()
    assert places.filter(unit__organisation__is_private=True, free_places__gt=0).count() == 2
    placed = Referral.objects.filter(place__isnull=False)
    wished = placed.get(wished_place__isnull=False)
    assert wished.place == wished.wished_place
    assert wished.placement_reason == ""
    elsewhere = placed.exclude(pk=wished.pk).get()
    assert elsewhere.placement_reason and elsewhere.place != elsewhere.wished_place


def test_the_demo_joint_intake_has_an_outcome_and_a_patient_on_the_agenda(demo):
    from referrals.models import JointIntakeCase

    cases = JointIntakeCase.objects.order_by("pk")
    assert [c.outcome for c in cases] == ["kommune", ""]


def test_the_stories_dates_agree_messages_meetings_and_timelines(demo):
    """What was sent, met and recorded is dated within the stay it belongs to, so the pages
    read as one story ("admitted 50 days ago" has its admission notice from that day)."""
    now = timezone.now()
    for message in KommuneMessage.objects.select_related("episode"):
        episode = message.episode
        assert message.sent_at >= episode.started_at, message.kind
        if message.kind == KommuneMessage.Kind.ADMISSION:
            assert message.sent_at - episode.started_at < datetime.timedelta(days=1)
        if message.kind == KommuneMessage.Kind.DISCHARGED and episode.ended_at:
            assert abs(message.sent_at - episode.ended_at) < datetime.timedelta(days=1)
    for meeting in PlanningMeeting.objects.select_related("episode"):
        end = meeting.episode.ended_at or now + datetime.timedelta(days=60)
        assert meeting.episode.started_at <= meeting.starts_at <= end
    for referral in Referral.objects.filter(treatment_episode__isnull=False).select_related(
        "treatment_episode"
    ):
        timeline = list(referral.events.order_by("at", "pk").values_list("kind", flat=True))
        started = timeline.index(ReferralEvent.Kind.TREATMENT_STARTED)
        assert ReferralEvent.Kind.GRANTED in timeline[:started]
        if ReferralEvent.Kind.COMPLETED in timeline:
            assert timeline.index(ReferralEvent.Kind.COMPLETED) > started
        assert referral.assessed_at <= referral.treatment_episode.started_at
