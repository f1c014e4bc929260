"""The conflict box shows stored and typed values as words: never "True", "None" or a choice's
stored value such as "none"."""

from types import SimpleNamespace

import pytest
from django import forms
from django.utils import translation

from pathways.models import EttervernPlan
from pathways.web import field_differences


class EttervernLikeForm(forms.Form):
    return_kind = forms.ChoiceField(label="Vei tilbake", choices=EttervernPlan.Return.choices)
    risk_communicated = forms.BooleanField(label="Risiko formidlet", required=False)
    return_valid_until = forms.DateField(label="Gyldig til", required=False)
    note = forms.CharField(label="Merknad", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


@pytest.fixture(autouse=True)
def norwegian():
    with translation.override("nb"):
        yield


def test_stored_choices_booleans_and_empty_values_read_as_words():
    stored = SimpleNamespace(
        return_kind="none",
        risk_communicated=True,
        return_valid_until=None,
        note=None,
        version=2,
    )
    form = EttervernLikeForm(
        data={
            "return_kind": EttervernPlan.Return.OPEN_RETURN,
            "risk_communicated": "",
            "return_valid_until": "2026-12-24",
            "note": "Ringer først.",
            "version": "1",
        }
    )
    assert form.is_valid(), form.errors
    rows = {label: (old, new) for label, old, new in field_differences(form, stored)}
    assert rows["Vei tilbake"] == (
        str(EttervernPlan.Return.NONE.label),
        str(EttervernPlan.Return.OPEN_RETURN.label),
    )
    assert rows["Risiko formidlet"] == ("Ja", "Nei")
    assert rows["Gyldig til"][0] == "–"
    assert rows["Gyldig til"][1] == "24. desember 2026"
    assert rows["Merknad"] == ("–", "Ringer først.")
    shown = " ".join(v for pair in rows.values() for v in pair)
    for raw in ("True", "False", "None", "none", "open_return"):
        assert raw not in shown.split()
