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


def sweep(now=None, rules: Iterable[str] | None = None) -> int:
    """Run the rules; return how many reminders this run created."""
    now = now or timezone.now()
    sent = 0
    for name in rules or list(RULES):
        for due in RULES[name](now):
            sent += deliver(name, due)
    return sent
