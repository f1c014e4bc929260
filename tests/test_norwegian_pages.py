"""No English in the Norwegian interface: the main pages of the demo's patients, their plan
history and their meetings are rendered with bokmål active and read for English words and for
catalogue strings shown untranslated (text stored in English at write time, labels that skip the
catalogue, raw values such as "True" or "None")."""

import html
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import Membership
from accounts.units import SESSION_KEY
from pathways.demo import EXTENSIONS
from pathways.models import (
    CareTeamMember,
    DialogueThread,
    IndividualPlan,
    Meeting,
    Patient,
    TreatmentEpisode,
)
from pathways.patients import demo as base
from referrals.models import Referral

pytestmark = pytest.mark.django_db

CATALOGUE = Path(__file__).resolve().parents[1] / "locale/nb/LC_MESSAGES/django.po"

# Words that are English and not Norwegian, as whole words, case-sensitive where the
# Norwegian word differs only in case. Raw values a person should never read are here too.
ENGLISH = re.compile(
    r"\b(the|The|changed|Changed|added|Added|removed|Removed|your|you|You|with|With|"
    r"which|should|been|None|True|False|none|null|Yes|No)\b"
)


def _untranslated_msgids() -> list[str]:
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f, locale="nb")
    ids = []
    for message in catalogue:
        if not message.id or isinstance(message.id, tuple) or message.context:
            continue
        if message.string and message.string != message.id and len(message.id.split()) >= 3:
            # Only the text before the first placeholder: the rest varies.
            head = re.split(r"%\(|\{", message.id)[0].strip()
            if len(head.split()) >= 3:
                ids.append(head)
    return ids


def _text(response) -> str:
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    demo = base.seed()
    demo.today = timezone.localdate()
    for path in EXTENSIONS:
        import_string(path)(demo)
    return demo


def _reader(patient) -> Client:
    """A user of a unit on the patient's care team, acting for it."""
    member = CareTeamMember.objects.filter(patient=patient, ended_at__isnull=True).first()
    membership = Membership.objects.filter(unit_id=member.unit_id).select_related("user").first()
    client = Client()
    client.force_login(membership.user)
    session = client.session
    session[SESSION_KEY] = membership.pk
    session.save()
    return client


def _pages(patient) -> list[str]:
    pk = patient.pk
    pages = [
        reverse("pathways:patient_overview", args=[pk]),
        reverse("pathways:access_log", args=[pk]),
        reverse("pathways:episode_list", args=[pk]),
        reverse("pathways:meetings", args=[pk]),
    ]
    if IndividualPlan.objects.filter(patient=patient).exists():
        pages += [reverse("pathways:plan", args=[pk]), reverse("pathways:plan_history", args=[pk])]
        pages += [
            reverse("pathways:plan_section", args=[pk, section])
            for section in ("grunnlag", "viktig", "samarbeid", "medvirkning")
        ]
    for meeting in Meeting.objects.filter(patient=patient)[:3]:
        pages.append(reverse("pathways:meeting_detail", args=[pk, meeting.pk]))
    for episode in TreatmentEpisode.objects.filter(patient=patient)[:2]:
        pages.append(reverse("pathways:episode_detail", args=[pk, episode.pk]))
    for referral in Referral.objects.filter(patient=patient)[:2]:
        pages.append(reverse("referrals:detail", args=[referral.pk]))
    for thread in DialogueThread.objects.filter(patient=patient)[:2]:
        pages.append(reverse("pathways:dialogue", args=[pk]))
        pages.append(reverse("pathways:dialogue_thread", args=[pk, thread.pk]))
    return pages


def test_the_main_pages_and_the_history_speak_norwegian(demo):
    msgids = _untranslated_msgids()
    assert len(msgids) > 100
    # The patients whose stories touch the most features: a plan, meetings, a stay.
    storied = set(IndividualPlan.objects.values_list("patient_id", flat=True))
    storied |= set(Meeting.objects.values_list("patient_id", flat=True)[:10])
    storied |= set(TreatmentEpisode.objects.values_list("patient_id", flat=True)[:10])
    patients = Patient.objects.filter(pk__in=storied).order_by("pk")[:12]
    assert len(patients) >= 5
    found = []
    checked = 0
    for patient in patients:
        client = _reader(patient)
        for url in [*_pages(patient), reverse("home"), reverse("notifications:list")]:
            response = client.get(url)
            if response.status_code != 200:
                continue  # a page this unit may not open is not ours to read here
            checked += 1
            text = _text(response)
            for match in ENGLISH.finditer(text):
                context = " ".join(text[max(0, match.start() - 60) : match.end() + 60].split())
                found.append(f"{url}: {match.group(0)!r} in …{context}…")
            found += [f"{url}: untranslated {m!r}" for m in msgids if m in text]
    assert checked > 30
    found += _portal_pages_found(msgids)
    assert not found, "\n".join(sorted(set(found))[:40])


def _portal_pages_found(msgids) -> list[str]:
    """The demo's patients and pårørende read /min/ in Norwegian too (as after the demo login)."""
    from accounts.backends import PORTAL_BACKEND
    from pathways.models import PortalAccess
    from pathways.portal.gate import ACCESS_KEY, ACR_KEY

    found = []
    accesses = PortalAccess.objects.open().filter(user__username__startswith="min.")
    assert accesses.count() == 3
    for access in accesses.select_related("user"):
        client = Client()
        client.force_login(access.user, backend=PORTAL_BACKEND)
        session = client.session
        session[ACCESS_KEY], session[ACR_KEY] = access.pk, "demo"
        session.save()
        # The start page and a page for each part this person may see (a pårørende: the
        # parts the patient gave), and the patient's own pages.
        part_pages = {
            PortalAccess.Part.MEETINGS: "/min/moter/",
            PortalAccess.Part.PLAN: "/min/plan/",
            PortalAccess.Part.CRISIS_PLAN: "/min/kriseplan/",
        }
        urls = ["/min/"] + [part_pages[part] for part in sorted(access.parts)]
        if access.role == PortalAccess.Role.PATIENT:
            urls += ["/min/samtykker/", "/min/samtykker/nytt/", "/min/innsyn/", "/min/parorende/"]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (access.user.username, url)
            text = _text(response)
            for match in ENGLISH.finditer(text):
                context = " ".join(text[max(0, match.start() - 60) : match.end() + 60].split())
                found.append(f"{url}: {match.group(0)!r} in …{context}…")
            found += [f"{url}: untranslated {m!r}" for m in msgids if m in text]
        if access.user.username == "min.ola":
            page = client.get("/min/samtykker/").content.decode()
            assert "Snart slutt" in page
    return found
