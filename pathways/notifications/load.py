"""Load data for benchmarks: notifications already in each user's list, read and unread.

Called by ``manage.py seed_load`` (pathways/patients/load.py LOAD_EXTENSIONS). A user in
service has tens to a few hundred notifications from the past months, most of them read and
mailed; the notification page is measured on those, not on an empty list. The count per user
does not grow with the number of patients (a user's list is about their own work).
"""

import datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from pathways.models import Notification
from pathways.patients.load import Load, _bulk

# (kind, title as the services write it)
KINDS = [
    ("plan_started", "An individual plan was started for a patient of your unit"),
    ("measure_assigned", "A measure in an individual plan is assigned to you"),
    ("plan_comment", "New comment on an individual plan"),
    ("coordinator_appointed", "You are koordinator for a patient"),
]
PER_USER = (40, 300)
UNREAD_SHARE = 0.2


def seed(load: Load) -> None:
    rng, now = load.rng, timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        titles = [(kind, gettext(title)) for kind, title in KINDS]
    notes = []
    for key, users in load.unit_users.items():
        patients = load.by_unit.get(key)
        if not patients:
            continue
        for user_id in users:
            for _ in range(rng.randrange(*PER_USER)):
                kind, title = titles[rng.randrange(len(titles))]
                patient_id = patients[rng.randrange(len(patients))]
                created = now - datetime.timedelta(seconds=rng.randrange(120 * 86400))
                unread = rng.random() < UNREAD_SHARE
                notes.append(
                    Notification(
                        user_id=user_id,
                        patient_id=patient_id,
                        kind=kind,
                        title=title,
                        url=f"/pasienter/{patient_id}/",
                        urgent=rng.random() < 0.05,
                        created_at=created,
                        read_at=None if unread else created + datetime.timedelta(hours=2),
                        # Mailed already (urgent at once, the rest in a digest): the sweep
                        # that the bench times has only its own reminders to send.
                        emailed_at=created + datetime.timedelta(minutes=5),
                    )
                )
    _bulk(Notification, notes)
    unread = sum(1 for n in notes if n.read_at is None)
    load.log(f"  notifications: {len(notes)} ({unread} unread)")
