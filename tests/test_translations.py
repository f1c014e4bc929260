"""The Norwegian catalogue is complete: no empty and no fuzzy entries."""

from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parents[1] / "locale/nb/LC_MESSAGES/django.po"


def test_the_norwegian_catalogue_has_no_empty_or_fuzzy_entries():
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f, locale="nb")
    messages = [m for m in catalogue if m.id]
    assert len(messages) > 100
    empty = [
        m.id for m in messages if not (m.string if isinstance(m.string, str) else all(m.string))
    ]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert not empty, f"untranslated: {empty[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"
