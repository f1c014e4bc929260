"""The cast for the security tests, a database fingerprint, and a small form reader."""

import hashlib
from html.parser import HTMLParser

import pytest
from django.apps import apps

from accounts.acting import Actor
from accounts.models import Membership
from pathways.models import BreakGlassAccess
from pathways.patients.services.breakglass import break_glass_open
from tests.factories import make_user
from tests.security.endpoints import Cast

# Rows that change on every request or are written by the access checks themselves.
VOLATILE = {
    "sessions.session",
    "accounts.auditevent",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Creating the cast hashes seven passwords; the real hasher makes that seconds per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def glass_user(other_hf_unit, shared_patient):
    """A clinician in another helseforetak who has opened the record with break-the-glass."""
    user = make_user(other_hf_unit, Membership.Role.CLINICIAN, username="nødtilgang")
    break_glass_open(
        patient=shared_patient,
        actor=Actor(user, other_hf_unit),
        reason=BreakGlassAccess.Reason.EMERGENCY,
        explanation="Innlagt akutt, trenger oversikt over tiltak",
    )
    return user


@pytest.fixture
def cast(
    shared_patient,
    coordinator,
    colleague,
    tsb_clinician,
    other_kommune_user,
    other_hf_user,
    glass_user,
    vadso_rus,
    unn_tsb,
):
    return Cast(
        patient=shared_patient,
        coordinator=coordinator,
        colleague=colleague,
        tsb_clinician=tsb_clinician,
        other_kommune_user=other_kommune_user,
        other_hf_user=other_hf_user,
        glass_user=glass_user,
        vadso_rus=vadso_rus,
        unn_tsb=unn_tsb,
    )


def fingerprint() -> dict[str, str]:
    """A hash of every row of every table (except the volatile ones), per model."""
    result = {}
    for model in apps.get_models():
        if model._meta.label_lower in VOLATILE or not model._meta.managed:
            continue
        rows = model._base_manager.order_by("pk").values_list()
        result[model._meta.label_lower] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return result


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(k for k in after if before.get(k) != after[k])


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[tuple[dict, dict]] = []
        self._current = None
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._current = {}
            self.forms.append((a, self._current))
        elif self._current is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._current[a["name"]] = a.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                self._current[a["name"]] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._current[self._textarea] = ""
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._current.setdefault(self._select, "")
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if "selected" in a or not self._current.get(self._select):
                self._current[self._select] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea and self._current is not None:
            self._current[self._textarea] += data


def page_form(html: str) -> dict:
    """The fields of the page's own POST form (not the header's log-out or unit switch)."""
    reader = _FormReader()
    reader.feed(html)
    own = [
        fields
        for attrs, fields in reader.forms
        if attrs.get("method", "get").lower() == "post"
        and not any(x in attrs.get("action", "") for x in ("/logout/", "/enhet/"))
    ]
    return max(own, key=len) if own else {}
