"""Two intake clinicians assess the same referral at the same moment: one wins, the other is
told, and nothing is silently overwritten. Needs PostgreSQL's row locks."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from accounts.acting import Actor
from referrals import services
from referrals.models import Referral, ReferralEvent
from tests.factories import make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_simultaneous_assessments_one_wins_and_the_other_is_told(
    referral, tsb_intake, unn_intake
):
    second = make_user(unn_intake, role="intake", username="inntak2")
    version = referral.version
    barrier = threading.Barrier(2, timeout=30)
    results: dict[str, object] = {}

    def grant():
        try:
            barrier.wait()
            results["grant"] = services.referral_grant(
                referral=referral,
                actor=Actor(tsb_intake, unn_intake),
                start_deadline=timezone.localdate() + datetime.timedelta(days=20),
                help_kind="outpatient",
                version=version,
            )
        except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
            results["grant"] = error
        finally:
            connection.close()

    def reject():
        try:
            barrier.wait()
            results["reject"] = services.referral_reject(
                referral=referral, actor=Actor(second, unn_intake), reason="Avslag", version=version
            )
        except Exception as error:  # noqa: BLE001
            results["reject"] = error
        finally:
            connection.close()

    # Daemon threads with a bounded barrier: a thread that fails early never holds up the run.
    threads = [
        threading.Thread(target=grant, daemon=True),
        threading.Thread(target=reject, daemon=True),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    outcomes = list(results.values())
    winners = [o for o in outcomes if isinstance(o, Referral)]
    losers = [o for o in outcomes if isinstance(o, services.ReferralConflict)]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1, outcomes
    assert losers[0].message.startswith("Noen andre endret henvisningen")
    stored = Referral.objects.get(pk=referral.pk)
    assert stored.state == winners[0].state
    assert stored.version == version + 1
    decisions = ReferralEvent.objects.filter(referral=referral, kind__in=["granted", "rejected"])
    assert decisions.count() == 1
