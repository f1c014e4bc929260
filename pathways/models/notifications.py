from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.models.patient import Patient


class Reminder(models.Model):
    """One reminder per (rule, object, stage): the unique key makes a second send impossible."""

    rule = models.CharField(max_length=60)
    object_key = models.CharField(max_length=80)
    stage = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "object_key", "stage"], name="reminder_once_per_stage"
            ),
        ]

    def __str__(self):
        return f"{self.rule} {self.object_key} {self.stage}"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app message to one user; email goes out from the worker."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reminder = models.ForeignKey(
        Reminder, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            models.Index(fields=["emailed_at", "urgent"], name="notification_mail"),
            # Mail still to go out: a small, hot set, so the worker's pick-up stays cheap.
            models.Index(
                fields=["created_at"],
                condition=Q(emailed_at__isnull=True),
                name="notification_unmailed",
            ),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self):
        return self.title


class NotificationPreference(models.Model):
    """How one user wants notifications by email (no row means the defaults: both on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(_("send me notifications by email"), default=True)
    digest_enabled = models.BooleanField(_("daily summary by email"), default=True)
    # The day (Europe/Oslo) of the last digest: claimed with a conditional update, one a day.
    last_digest_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return f"{self.user}"


class NotificationVersion(models.Model):
    """A user's notifications' version: raised by PostgreSQL triggers (migration 0026) with
    every notification of theirs written or deleted and every rename of a patient one names.
    The notification list keeps its rendered rows under it (config/fragments.py).

    The same triggers keep the user's counts (migration 0030), so the header's unread count
    and the list's pages are one primary-key read however many notifications a user holds."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    generation = models.BigIntegerField(default=1)
    total = models.IntegerField(db_default=0)
    unread = models.IntegerField(db_default=0)

    class Meta:
        verbose_name = _("notification version")
        verbose_name_plural = _("notification versions")

    def __str__(self):
        return f"{self.user_id}: {self.generation}"
