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


# The gettext functions the Python code marks its strings with (babel's names for the
# positions of singular, plural and context).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
}


def test_every_string_the_python_code_marks_is_in_the_catalogue():
    from babel.messages.extract import extract_from_dir

    with CATALOGUE.open("rb") as f:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    root = CATALOGUE.parents[3]
    missing = set()
    for package in ("accounts", "pathways", "referrals", "config"):
        for filename, _line, message, _comments, _context in extract_from_dir(
            root / package,
            method_map=[("**/migrations/**", "ignore"), ("**.py", "python")],
            keywords=KEYWORDS,
        ):
            text = message if isinstance(message, str) else message[0]
            if text and text not in known:
                missing.add(f"{package}/{filename}: {text}")
    assert not missing, sorted(missing)[:20]
