"""The benchmark's load data (``make bench``) seeds on the suite's database: every feature's
loader runs, and the kept counts agree with a count afterwards."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import ServiceUnit
from pathways import access
from pathways.models import Patient
from referrals import selectors
from referrals.models import Referral

pytestmark = pytest.mark.django_db


def test_seed_load_fills_every_feature_and_keeps_its_counts():
    out = StringIO()
    call_command("seed_load", "--patients", "60", "--audit-events", "300", "--force", stdout=out)
    assert "Load data ready" in out.getvalue()
    assert "skipped" not in out.getvalue()
    assert Patient.objects.count() >= 60
    assert Referral.objects.exists()
    for unit in ServiceUnit.objects.all():
        assert access.unit_patient_count(unit) == access._grant_count(group_id=unit.group_id)[0]
        assert (
            selectors.tab_counts(unit)
            == selectors._tab_counts(unit_id=unit.pk, group_id=unit.group_id)[0]
        )
