"""Reminders derived from database state.

A rule is a function ``rule(now) -> Iterable[Due]`` registered with ``@rule("name")``; it
should query only what is due (indexed date filters). ``sweep()`` runs every rule and records
each reminder under a unique (rule, object, stage) key, so running twice, or two sweeps at
once, sends each reminder exactly once. Notifications are rows; email is scheduled on commit.
Jobs registered with ``@periodic(name)`` are due work the scheduled sweep does before the
rules (ending access whose consent has run out or after a rejected referral, completing a move
between kommuner); ``run_jobs()`` runs them. The scheduled sweep itself, with the mail
catch-up after the rules, is ``pathways.notifications.tasks.run_periodic``.

This module imports neither the mail services nor the tasks: email hooks in through
``ON_NOTIFIED``, filled from ``PathwaysConfig.ready()``.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Membership
from pathways.models import Notification, Reminder

log = logging.getLogger(__name__)

RULES: dict[str, Callable] = {}
# Due work the scheduled sweep does before the rules: ``job(now)``, safe to run twice or at once.
PERIODIC: dict[str, Callable] = {}
# Headings for the daily digest, by notification kind (a rule's name or a service's kind).
KIND_LABELS: dict[str, object] = {}


# Called with the ids of new notifications after commit. Email delivery hooks in here
# (``tasks.queue_urgent_email``, appended by ``PathwaysConfig.ready()``).
ON_NOTIFIED: list[Callable[[list[int]], None]] = []


@dataclass
class Due:
    obj: object
    stage: str
    title: str
    recipients: Iterable
    url: str = ""
    body: str = ""
    patient: object = None
    urgent: bool = False
    extra: dict = field(default_factory=dict)


def rule(name: str, label=None):
    """Register a rule; ``label`` (lazy translated text) heads its group in the digest."""

    def register(func):
        RULES[name] = func
        if label is not None:
            KIND_LABELS[name] = label
        return func

    return register


def periodic(name: str):
    """Register a job for every scheduled sweep (``func(now)``)."""

    def register(func):
        PERIODIC[name] = func
        return func

    return register


def run_jobs(now=None) -> None:
    """Run every periodic job; one that fails is logged and does not stop the others."""
    now = now or timezone.now()
    for name, job in list(PERIODIC.items()):
        try:
            job(now)
        except Exception:
            log.exception("periodic job %s failed", name)


def object_key(obj) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def unit_users(units, roles=None):
    """Users with an active membership in any of ``units`` (optionally only some roles)."""
    memberships = Membership.objects.active().filter(unit__in=units)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return (
        get_user_model()
        .objects.filter(pk__in=memberships.values("user_id"), is_active=True)
        .distinct()
    )


def notify(*, users, kind, title, url="", body="", patient=None, urgent=False, reminder=None):
    """Create one notification per user (a service; callers run inside their transaction)."""
    notes = Notification.objects.bulk_create(
        Notification(
            user=user,
            kind=kind,
            title=title[:200],
            url=url,
            body=body,
            patient=patient,
            urgent=urgent,
            reminder=reminder,
        )
        for user in {u.pk: u for u in users}.values()
    )
    ids = [n.pk for n in notes if n.pk is not None]
    if ids and ON_NOTIFIED:
        transaction.on_commit(lambda: [hook(ids) for hook in ON_NOTIFIED])
    return notes


def deliver(rule_name: str, due: Due) -> bool:
    """Record the reminder and notify; False when it was already sent."""
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                rule=rule_name, object_key=object_key(due.obj), stage=due.stage
            )
            notify(
                users=due.recipients,
                kind=rule_name,
                title=due.title,
                url=due.url,
                body=due.body,
                patient=due.patient,
                urgent=due.urgent,
                reminder=reminder,
            )
    except IntegrityError:
        return False
    return True


# Reminders are recorded and notified this many at a time: one transaction, one look-up of
# what was sent before and one insert of each kind per batch, rather than per reminder.
BATCH_SIZE = 500


class _Recipients:
    """The users of each due's ``recipients``, read once per distinct query in a sweep.

    Rules give every due a queryset such as "the active users of this unit", and many dues
    share one; a sweep of thousands then reads each distinct list once."""

    def __init__(self):
        self.seen: dict = {}

    def users(self, recipients) -> list:
        if not isinstance(recipients, QuerySet):
            return list(recipients)
        sql, params = recipients.query.sql_with_params()
        key = (recipients.model, recipients.db, sql, tuple(map(repr, params)))
        if key not in self.seen:
            self.seen[key] = list(recipients)
        return self.seen[key]


def deliver_batch(rule_name: str, dues: list[Due], recipients: _Recipients | None = None) -> int:
    """Record and notify a batch of a rule's dues; return how many were new.

    Dues sent before are left out after one look-up of their keys. The rest are inserted in
    one transaction; when another sweep inserted one of them meanwhile (the unique key
    refuses it), the batch is rolled back and each due goes through ``deliver`` on its own,
    so each reminder is still sent exactly once."""
    recipients = recipients or _Recipients()
    keyed = {}
    for due in dues:
        keyed.setdefault((object_key(due.obj), due.stage), due)
    sent_before = set(
        Reminder.objects.filter(
            rule=rule_name, object_key__in={key for key, _stage in keyed}
        ).values_list("object_key", "stage")
    )
    new = [(key, due) for key, due in keyed.items() if key not in sent_before]
    if not new:
        return 0
    try:
        with transaction.atomic():
            made = Reminder.objects.bulk_create(
                Reminder(rule=rule_name, object_key=key, stage=stage) for (key, stage), _due in new
            )
            notes = []
            for reminder, (_key, due) in zip(made, new, strict=True):
                notes.extend(
                    Notification(
                        user=user,
                        kind=rule_name,
                        title=due.title[:200],
                        url=due.url,
                        body=due.body,
                        patient=due.patient,
                        urgent=due.urgent,
                        reminder=reminder,
                    )
                    for user in {u.pk: u for u in recipients.users(due.recipients)}.values()
                )
            notes = Notification.objects.bulk_create(notes)
            ids = [n.pk for n in notes if n.pk is not None]
            if ids and ON_NOTIFIED:
                transaction.on_commit(lambda: [hook(ids) for hook in ON_NOTIFIED])
    except IntegrityError:
        return sum(deliver(rule_name, due) for _key, due in new)
    return len(new)


def sweep(now=None, rules: Iterable[str] | None = None) -> int:
    """Run the rules; return how many reminders this run created."""
    now = now or timezone.now()
    sent = 0
    recipients = _Recipients()
    for name in rules or list(RULES):
        batch = []
        for due in RULES[name](now):
            batch.append(due)
            if len(batch) >= BATCH_SIZE:
                sent += deliver_batch(name, batch, recipients)
                batch = []
        if batch:
            sent += deliver_batch(name, batch, recipients)
    return sent
