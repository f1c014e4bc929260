"""Every form a user can fill in carries its key, so a resubmit saves nothing twice."""

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from pathways import formkeys
from tests.security.endpoints import Unfillable, all_endpoints, build_url

pytestmark = pytest.mark.django_db


# The header's forms on every page change only the session (language, unit, log out).
HEADER_ACTIONS = ("/logout/", "/enhet/", "/i18n/")


class _Forms(HTMLParser):
    """Each POST form of a page: its action, whether it has fields a person fills in, and
    whether it carries a key."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"method": (a.get("method") or "get").lower(), "action": a.get("action") or ""}
            )
            self.forms[-1].update(fields=False, key=False)
        elif self.forms and tag in ("input", "select", "textarea") and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else tag
            if a["name"] == formkeys.FIELD:
                self.forms[-1]["key"] = True
            elif kind not in ("hidden", "submit", "button"):
                self.forms[-1]["fields"] = True


def test_every_form_with_fields_carries_its_key(cast):
    """Every page a user opens: each POST form with something to fill in carries a key (the
    one form template renders it; pages that lay out their fields themselves add it)."""
    clients = {}
    for user in (cast.coordinator, cast.tsb_clinician):
        clients[user.pk] = Client()
        clients[user.pk].force_login(user)
    urls = [reverse("referrals:new") + f"?pasient={cast.patient.pk}"]
    for endpoint in all_endpoints():
        try:
            urls.append(build_url(endpoint, cast))
        except Unfillable:
            continue
    seen, missing = 0, []
    for url in urls:
        for client in clients.values():
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            reader = _Forms()
            reader.feed(response.content.decode())
            for form in reader.forms:
                if form["method"] != "post" or not form["fields"]:
                    continue
                if any(a in form["action"] for a in HEADER_ACTIONS):
                    continue
                seen += 1
                if not form["key"]:
                    missing.append(f"{url} → {form['action'] or '(itself)'}")
    assert seen > 40, seen
    assert not missing, "forms without a key:\n  " + "\n  ".join(sorted(set(missing)))
