"""Notices to the patient and pårørende: "Du har en ny melding i Samhandling" and a link.

Issue 13 §2: a notice by email or SMS carries no health information. The text is the same
for every trigger, with no name, unit, date or meeting word; what is new is read in /min/
after logging in. Each person chooses email, SMS, both or none in /min/varsler/
(``PortalAccess.notice_*``); until they choose, the notice goes by email to the address the
record has for them (as meeting mail did before), or nowhere.

``notify_portal`` is called by the services inside their transaction; it does no query
there (pages keep their query counts): after commit a Celery task (eager in ``make run``)
finds the doors in force and sends. With the broker down the notice is only logged: it is
a nudge, and what it points to waits in /min/ all the same. At most one notice per person within
``PORTAL_NOTICE_QUIET_MINUTES`` (30): a koordinator editing a plan or planning and then
moving a meeting makes several changes within minutes, and a second identical notice tells
the person nothing new: the first already sends them to /min/, where they see it all. Half
an hour still lets the news of a later day's change through. The claim is a conditional
update of ``last_notice_at``, so two workers never both send; a failed send gives it back.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pathways import sms
from pathways.models import GroupMember, NoticeChannel, PortalAccess
from pathways.models.portal import PART_FIELDS

log = logging.getLogger(__name__)


def notify_portal(*, patient, next_of_kin_parts=(), actor=None) -> None:
    """After commit: the neutral notice to the patient (if their access is in force) and to
    each pårørende in force given any of ``next_of_kin_parts`` (none: the patient only).
    The person behind ``actor`` (the patient writing themselves) is not told of their own
    change."""
    patient_id = getattr(patient, "pk", patient)
    parts = sorted({str(part) for part in next_of_kin_parts})
    user = getattr(actor, "user", actor)
    skip = getattr(user, "pk", None)
    transaction.on_commit(lambda: queue(patient_id, parts, skip), robust=True)


# What queues the sending after commit: ``tasks.queue_portal_notices``, added by
# ``PathwaysConfig.ready()`` (the tasks import this module, so it cannot import them).
QUEUE: list[Callable[[int, list[str], int | None], None]] = []


def queue(patient_id: int, parts: list[str], skip_user_id: int | None) -> None:
    for hook in QUEUE:
        hook(patient_id, parts, skip_user_id)


def doors(patient_id: int, parts, skip_user_id=None):
    """The accesses in force to tell: the patient's, and those of pårørende given a part."""
    given = Q()
    for part in parts:
        given |= Q(**{PART_FIELDS[part]: True})
    who = Q(role=PortalAccess.Role.PATIENT)
    if parts:
        who |= Q(role=PortalAccess.Role.NEXT_OF_KIN) & given
    found = (
        PortalAccess.objects.in_force()
        .filter(who, patient_id=patient_id)
        .exclude(notice_channel=NoticeChannel.NONE)
        .select_related("next_of_kin")
    )
    if skip_user_id is not None:
        found = found.exclude(user_id=skip_user_id)
    return found


def record_email(access: PortalAccess) -> str:
    """The address the record has for the person (the form's starting value)."""
    if access.next_of_kin_id is not None:
        return access.next_of_kin.email
    member = (
        GroupMember.objects.filter(
            group__patient_id=access.patient_id,
            role=GroupMember.Role.PATIENT,
            removed_at__isnull=True,
        )
        .exclude(email="")
        .first()
    )
    return member.email if member is not None else ""


def record_phone(access: PortalAccess) -> str:
    if access.next_of_kin_id is not None:
        return access.next_of_kin.phone
    return access.patient.phone


def addresses(access: PortalAccess) -> tuple[str, str]:
    """(email, mobile number) the notice goes to; empty where it does not go."""
    channel = access.notice_channel
    if not channel:
        return record_email(access), ""
    email = access.notice_email if channel in (NoticeChannel.EMAIL, NoticeChannel.BOTH) else ""
    phone = access.notice_phone if channel in (NoticeChannel.SMS, NoticeChannel.BOTH) else ""
    return email, phone


def login_link() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("portal:start")


def notice_text() -> tuple[str, str, str]:
    """Subject, email body and SMS: the one sentence and the link, nothing else."""
    line = _("You have a new message in Samhandling")
    link = login_link()
    body = _("%(line)s.\n\nLog in to Min plan with ID-porten to read it: %(link)s") % {
        "line": line,
        "link": link,
    }
    return line, body, f"{line}: {link}"


def send(patient_id: int, parts, skip_user_id=None, *, now=None) -> int:
    """Send the notice to each door to tell that has had none within the quiet time; the
    number of people told."""
    now = now or timezone.now()
    quiet = now - timedelta(minutes=settings.PORTAL_NOTICE_QUIET_MINUTES)
    with translation.override(settings.LANGUAGE_CODE):
        subject, body, short = notice_text()
    told = 0
    for access in doors(patient_id, parts, skip_user_id):
        email, phone = addresses(access)
        if not (email or phone):
            continue
        previous = access.last_notice_at
        claimed = (
            PortalAccess.objects.filter(pk=access.pk)
            .filter(Q(last_notice_at__isnull=True) | Q(last_notice_at__lt=quiet))
            .update(last_notice_at=now)
        )
        if not claimed:
            continue
        try:
            if email:
                EmailMessage(subject=subject, body=body, to=[email]).send()
            if phone:
                sms.send_sms(phone, short)
        except Exception:
            PortalAccess.objects.filter(pk=access.pk, last_notice_at=now).update(
                last_notice_at=previous
            )
            log.exception("The Min plan notice for access %s failed.", access.pk)
            continue
        told += 1
    return told


# The person's own choice ------------------------------------------------------------------


def settings_initial(access: PortalAccess) -> dict:
    """The form's starting values: what they chose, else what the record has for them."""
    if access.notice_channel:
        return {
            "channel": access.notice_channel,
            "email": access.notice_email,
            "phone": access.notice_phone,
        }
    email, phone = record_email(access), record_phone(access)
    channel = NoticeChannel.EMAIL if email else NoticeChannel.SMS if phone else None
    return {"channel": channel, "email": email, "phone": phone}


@transaction.atomic
def notice_settings_save(*, portal_access: PortalAccess, actor, channel, email, phone):
    """The person's own choice of how notices reach them; audited as their change."""
    from accounts import audit
    from pathways.portal.gate import BASIS

    if actor.user.pk != portal_access.user_id:
        raise PermissionDenied
    current = PortalAccess.objects.select_for_update().get(pk=portal_access.pk)
    current.notice_channel = NoticeChannel(channel)
    current.notice_email = email.strip()
    current.notice_phone = phone.strip()
    current.save(update_fields=["notice_channel", "notice_email", "notice_phone"])
    audit.record_by(
        actor,
        audit.Action.UPDATE,
        patient=current.patient_id,
        obj=current,
        basis=BASIS[current.role],
        detail=f"/min/: varsler ({current.get_notice_channel_display()})",
    )
    portal_access.__dict__.update(current.__dict__)
    return current
