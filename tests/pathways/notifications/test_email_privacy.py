"""No email carries a patient's name, national id or health information.

Mail is built from a notification's kind, a reference and a link (``kinds.label_for``), never
from its title or body. These tests run the real services and rules with every patient named
"Arne Karlsen", then read every message that left (urgent mail, digest, reminders to external
participants, meeting invitations), and check every kind the code can produce has a label.
"""

import ast
import datetime
from pathlib import Path

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from pathways.demo import EXTENSIONS
from pathways.models import KommuneMessage, Meeting, Notification, Patient
from pathways.notifications import reminders
from pathways.notifications import services as service
from pathways.patients import demo as base

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]
NAME = ("Arne", "Karlsen")
HEALTH = ("heroin", "psykose", "avrusning", "overdose", "diagnose")


def notify_kinds_in_source() -> set[str]:
    """Every ``kind=`` passed to ``notify(...)`` in the code (f-strings over message kinds)."""
    found = set()
    for path in [*ROOT.glob("pathways/**/*.py"), *ROOT.glob("referrals/**/*.py")]:
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "notify"):
                continue
            for kw in node.keywords:
                if kw.arg != "kind":
                    continue
                if isinstance(kw.value, ast.Constant):
                    found.add(kw.value.value)
                elif isinstance(kw.value, ast.JoinedStr):
                    prefix = kw.value.values[0].value
                    found |= {prefix + k for k in KommuneMessage.Kind.values}
                elif path.name != "reminders.py":  # deliver() passes the rule's name
                    raise AssertionError(f"{path}: notify(kind=...) is not a literal")
    return found


def every_kind() -> set[str]:
    return set(reminders.RULES) | notify_kinds_in_source()


def test_every_kind_the_code_can_produce_has_a_fixed_label():
    produced = every_kind()
    assert {"referral", "meeting_invitation", "consent_expiring", "discharge_ready"} <= produced
    assert not {k for k in produced if k not in reminders.KIND_LABELS}, "kind without a label"


def leaks(text: str, national_id: str, extra=()) -> list[str]:
    words = [*NAME, national_id, *extra]
    lower = text.lower()
    return [w for w in words if w and w.lower() in lower] + [h for h in HEALTH if h in lower]


def test_a_title_and_body_with_name_id_and_health_never_reach_mail(coordinator, vadso_rus):
    """Whatever a caller puts in a title or body, for every kind: mail shows neither."""
    from tests.factories import make_patient

    patient = make_patient(vadso_rus, by=coordinator, first_name="Arne", last_name="Karlsen")
    nid = patient.national_id
    for urgent in (True, False):
        for kind in sorted(every_kind()):
            reminders.notify(
                users=[coordinator],
                kind=kind,
                title=f"Ny henvisning: Arne Karlsen ({nid})",
                body=f"Arne Karlsen, {nid}: heroin, psykose og overdose etter avrusning.",
                url=f"/pasienter/{patient.pk}/?fnr={nid}",
                patient=patient,
                urgent=urgent,
            )
    notes = list(Notification.objects.filter(user=coordinator))
    assert len(notes) == 2 * len(every_kind())
    for note in notes:
        subject, body = service.urgent_text(note)
        assert leaks(subject + body, nid) == [], note.kind
        assert f"/varsler/{note.pk}/" in body
    subject, body = service.digest_text([n for n in notes if not n.urgent], timezone.localdate())
    assert leaks(subject + body, nid) == []

    # And through the real senders.
    assert service.send_urgent([n.pk for n in notes]) == len(every_kind())
    assert service.digest_send_for(coordinator.pk, now=timezone.now()) == 1
    assert len(mail.outbox) == len(every_kind()) + 1
    for message in mail.outbox:
        assert leaks(message.subject + message.body, nid) == []


def _messages_text(message) -> str:
    text = message.subject + "\n" + message.body
    for _name, content, mimetype in message.attachments:
        if mimetype.startswith("text/"):
            text += "\n" + (content.decode() if isinstance(content, bytes) else content)
    return text


def test_the_real_services_and_rules_send_no_name_id_or_health_words(
    settings, django_capture_on_commit_callbacks
):
    """Demo data (referrals, plans, meetings with externals, episodes) through the real
    services with every patient named Arne Karlsen, then the rules over the coming weeks."""
    settings.ALLOW_SYNTHETIC_IDS = True
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            demo = base.seed()
            Patient.objects.update(first_name="Arne", last_name="Karlsen")
            for patient in demo.patients:
                patient.first_name, patient.last_name = NAME
            demo.today = timezone.localdate()
            for path in EXTENSIONS:
                import_string(path)(demo)
        now = timezone.now()
        moments = [now + datetime.timedelta(days=d) for d in (0, 1, 2, 5, 10, 20, 40, 70, 100)]
        # A day before each planned meeting: reminders to internal and external participants.
        moments += [
            m.starts_at - datetime.timedelta(days=1)
            for m in Meeting.objects.filter(state=Meeting.State.PLANNED, starts_at__gt=now)
        ]
        for moment in sorted(moments):
            with transaction.atomic():
                reminders.sweep(moment)
    notes = list(Notification.objects.all())
    produced = {n.kind for n in notes}
    assert {"referral", "meeting_invitation", "meeting_soon", "discharge_ready"} <= produced
    assert len(produced) >= 20, produced
    assert any("Karlsen" in n.title for n in notes)  # in-app titles stay informative
    national_ids = list(
        Patient.objects.exclude(national_id=None).values_list("national_id", flat=True)
    )

    # Every notification as urgent mail and in a digest.
    for note in notes:
        subject, body = service.urgent_text(note)
        text = subject + body
        assert leaks(text, note.patient.national_id if note.patient else "") == [], note.kind
        assert note.title not in text
        assert not note.body or note.body not in text
    subject, body = service.digest_text(notes, timezone.localdate())
    for nid in national_ids:
        assert nid not in body
    assert leaks(subject + body, "") == []

    # Everything that actually left: invitations, minutes, reminders to externals, urgent mail.
    invitations = [m for m in mail.outbox if m.attachments]
    external_reminders = [m for m in mail.outbox if not m.attachments]
    assert invitations and external_reminders
    with django_capture_on_commit_callbacks(execute=True):
        Notification.objects.update(urgent=True)
        service.email_pending_urgent()
    sent = list(mail.outbox)
    assert len(sent) > len(invitations)
    for message in sent:
        text = _messages_text(message)
        assert leaks(text, "") == [], message.subject
        assert not [nid for nid in national_ids if nid in text]
