"""The load benchmark counts what the sweep looks at; referrals add theirs by name."""

import pytest

from pathways.patients.load import _open_items

pytestmark = pytest.mark.django_db


def test_open_items_count_every_feature_and_their_total(referral):
    counts = _open_items()
    assert list(counts) == ["action_items", "consents", "plans", "meetings", "referrals", "total"]
    assert counts["referrals"] >= 1
    assert counts["total"] == sum(v for k, v in counts.items() if k != "total")
