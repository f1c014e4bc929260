"""Starting treatment on a referral starts the treatment episode and links the two."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.acting import Actor
from pathways.models import TreatmentEpisode
from referrals import services
from referrals.models import Referral

pytestmark = pytest.mark.django_db
today = timezone.localdate


def start(referral, by, unit, on=None):
    return services.referral_start_treatment(
        referral=referral, actor=Actor(by, unit), on=on or today()
    )


def test_starting_treatment_creates_the_episode_of_the_granted_kind_and_links_it(
    granted, tsb_intake, unn_intake
):
    started = start(granted, tsb_intake, unn_intake)
    episode = started.treatment_episode
    assert episode is not None
    assert episode.kind == TreatmentEpisode.Kind.DOGN
    assert episode.unit == unn_intake
    assert episode.patient_id == granted.patient_id
    assert timezone.localdate(episode.started_at) == today()
    assert Referral.objects.get(pk=granted.pk).treatment_episode_id == episode.pk


@pytest.mark.parametrize(
    ("help_kind", "kind"),
    [
        ("outpatient", TreatmentEpisode.Kind.POLIKLINIKK),
        ("lar", TreatmentEpisode.Kind.LAR),
        ("detox", TreatmentEpisode.Kind.AVRUSNING),
    ],
)
def test_the_episode_kind_follows_the_kind_of_help(
    referral, tsb_intake, unn_intake, help_kind, kind
):
    granted = services.referral_grant(
        referral=referral,
        actor=Actor(tsb_intake, unn_intake),
        start_deadline=today() + datetime.timedelta(days=20),
        help_kind=help_kind,
    )
    assert start(granted, tsb_intake, unn_intake).treatment_episode.kind == kind


def test_a_start_on_an_earlier_day_dates_the_episode_that_day(granted, tsb_intake, unn_intake):
    episode = start(granted, tsb_intake, unn_intake, on=today()).treatment_episode
    assert timezone.localdate(episode.started_at) == today()
    Referral.objects.filter(pk=granted.pk).update(
        state=Referral.State.GRANTED,
        received_on=today() - datetime.timedelta(days=5),
        treatment_episode=None,
    )
    earlier = today() - datetime.timedelta(days=2)
    episode = start(granted, tsb_intake, unn_intake, on=earlier).treatment_episode
    assert timezone.localdate(episode.started_at) == earlier


def test_a_refused_start_creates_no_episode(granted, coordinator, vadso_rus):
    with pytest.raises(PermissionDenied):
        start(granted, coordinator, vadso_rus)
    assert not TreatmentEpisode.objects.exists()


def test_the_episode_page_shows_the_referral_it_came_from(
    login, granted, tsb_intake, unn_intake, coordinator
):
    episode = start(granted, tsb_intake, unn_intake).treatment_episode
    url = reverse("pathways:episode_detail", args=[episode.patient_id, episode.pk])
    for user in (tsb_intake, coordinator):
        page = login(user).get(url).content.decode()
        assert "Startet fra henvisningen fra Rus- og psykisk helseenheten" in page
        assert reverse("referrals:detail", args=[granted.pk]) in page


def test_an_episode_without_a_referral_shows_no_referral(
    login, shared_patient, tsb_clinician, unn_tsb
):
    from pathways.episodes.services import episode_start

    episode = episode_start(
        patient=shared_patient,
        actor=Actor(tsb_clinician, unn_tsb),
        kind=TreatmentEpisode.Kind.DOGN,
        started_at=timezone.now(),
    )
    url = reverse("pathways:episode_detail", args=[episode.patient_id, episode.pk])
    page = login(tsb_clinician).get(url).content.decode()
    assert "Startet fra henvisningen" not in page


def test_the_referral_page_links_to_the_treatment(login, granted, tsb_intake, unn_intake):
    episode = start(granted, tsb_intake, unn_intake).treatment_episode
    page = login(tsb_intake).get(reverse("referrals:detail", args=[granted.pk])).content.decode()
    assert reverse("pathways:episode_detail", args=[episode.patient_id, episode.pk]) in page
