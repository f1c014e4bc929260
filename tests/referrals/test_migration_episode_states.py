"""The data migration moves referrals left "granted" or "treatment started" by the old flow
to the state the new flow gives them, so they leave the waiting list and its reminders."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.models import TreatmentEpisode
from referrals import selectors, services
from referrals.models import Referral, ReferralEvent
from tests.factories import make_patient
from tests.referrals.conftest import send_referral

pytestmark = pytest.mark.django_db

migration = importlib.import_module("referrals.migrations.0004_referral_states_follow_episodes")


def _grant(referral, by, unit):
    return services.referral_grant(
        referral=referral,
        actor=Actor(by, unit),
        start_deadline=timezone.localdate() + datetime.timedelta(days=30),
        help_kind="inpatient",
    )


def _old_stay(patient, unit, by, *, days_ago=0, ended=False):
    """A stay as the old flow left it: made without the hooks that move the referral."""
    now = timezone.now()
    return TreatmentEpisode.objects.create(
        patient=patient,
        unit=unit,
        kind=TreatmentEpisode.Kind.DOGN,
        started_at=now - datetime.timedelta(days=days_ago, minutes=5),
        ended_at=now if ended else None,
        end_kind=TreatmentEpisode.EndKind.PLANNED if ended else "",
        created_by=by,
    )


def test_old_referrals_take_the_state_their_stay_gives_them(
    patient, coordinator, vadso_rus, unn_intake, unn_tsb, tsb_intake, tsb_clinician, granted
):
    # Ola was admitted at UNN's døgn unit (same organisation) while his referral waited.
    stay = _old_stay(patient, unn_tsb, tsb_clinician)
    # Kari was admitted and discharged; her referral still says "granted".
    kari = make_patient(vadso_rus, by=coordinator, first_name="Kari")
    kari_referral = _grant(
        send_referral(kari, coordinator, vadso_rus, unn_intake), tsb_intake, unn_intake
    )
    _old_stay(kari, unn_intake, tsb_clinician, ended=True)
    # Per's stay ended before his referral was even received: it did not come from it.
    per = make_patient(vadso_rus, by=coordinator, first_name="Per")
    per_referral = _grant(
        send_referral(per, coordinator, vadso_rus, unn_intake), tsb_intake, unn_intake
    )
    _old_stay(per, unn_intake, tsb_clinician, days_ago=40, ended=True)
    TreatmentEpisode.objects.filter(patient=per).update(
        ended_at=timezone.now() - datetime.timedelta(days=35)
    )
    assert set(selectors.unit_referrals(unn_intake, selectors.WAITING)) == {
        granted,
        kari_referral,
        per_referral,
    }

    version = granted.version
    counts = migration.move_referrals(apps)

    assert counts == {"started": 2, "completed": 1}
    granted.refresh_from_db()
    assert granted.state == Referral.State.TREATMENT_STARTED
    assert granted.treatment_episode == stay
    assert granted.treatment_started_on == timezone.localdate(stay.started_at)
    assert granted.version == version + 1
    kari_referral.refresh_from_db()
    assert kari_referral.state == Referral.State.COMPLETED
    assert kari_referral.ended_at is not None
    assert list(kari_referral.events.values_list("kind", flat=True))[-2:] == [
        ReferralEvent.Kind.TREATMENT_STARTED,
        ReferralEvent.Kind.COMPLETED,
    ]
    per_referral.refresh_from_db()
    assert per_referral.state == Referral.State.GRANTED
    # Off the waiting list (no frist, no reminders) but Per's, who still waits.
    assert list(selectors.unit_referrals(unn_intake, selectors.WAITING)) == [per_referral]
    audited = AuditEvent.objects.filter(object_type="referrals.referral", basis="system")
    assert audited.filter(object_id=str(kari_referral.pk)).count() == 2
    # Run again, nothing more moves.
    assert migration.move_referrals(apps) == {"started": 0, "completed": 0}


def test_a_started_referral_follows_its_transfer_to_the_end(
    patient, coordinator, vadso_rus, unn_intake, unn_tsb, tsb_clinician, granted
):
    first = _old_stay(patient, unn_intake, tsb_clinician, days_ago=5)
    last = _old_stay(patient, unn_tsb, tsb_clinician, days_ago=3, ended=True)
    TreatmentEpisode.objects.filter(pk=first.pk).update(
        transferred_to=last,
        ended_at=last.started_at,
        end_kind=TreatmentEpisode.EndKind.TRANSFERRED,
    )
    Referral.objects.filter(pk=granted.pk).update(
        state=Referral.State.TREATMENT_STARTED,
        treatment_episode=first,
        treatment_started_on=timezone.localdate(first.started_at),
    )
    assert migration.move_referrals(apps) == {"started": 0, "completed": 1}
    granted.refresh_from_db()
    assert (granted.state, granted.treatment_episode) == (Referral.State.COMPLETED, last)
