"""Versions of what pages show, raised by the database with every change (migration 0027).

Rendered page parts are kept under these (config/fragments.py, pathways/kept.py): a change
raises the version in the writer's own transaction, so the next look makes a new key and the
old part is never shown again. No foreign keys: a deleted patient's or unit's row may stay
(its version is still raised by the delete) and is never read again."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PatientVersion(models.Model):
    """Raised by any change of the patient's record: the patient, the people around them,
    consents, the care team and its grants, referrals, stays, meetings, plans, dialogue."""

    patient_id = models.BigIntegerField(primary_key=True)
    generation = models.BigIntegerField(default=1)

    class Meta:
        verbose_name = _("patient version")
        verbose_name_plural = _("patient versions")

    def __str__(self):
        return f"{self.patient_id}: {self.generation}"


class UnitVersion(models.Model):
    """Raised with the version of every patient on the unit's care team, when a grant of the
    unit is given or taken away, and by an emergency access through the unit (its leader
    reviews those): what the unit's lists and worklists show."""

    unit_id = models.BigIntegerField(primary_key=True)
    generation = models.BigIntegerField(default=1)

    class Meta:
        verbose_name = _("unit version")
        verbose_name_plural = _("unit versions")

    def __str__(self):
        return f"{self.unit_id}: {self.generation}"


class ReferenceVersion(models.Model):
    """One row: raised when a name or role any page shows beside patient data changes
    (people's names, units, organisations, memberships, treatment places,
    joint intake forums). Rare; every kept part goes."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    generation = models.BigIntegerField(default=1)

    class Meta:
        verbose_name = _("reference version")
        verbose_name_plural = _("reference versions")

    def __str__(self):
        return str(self.generation)


class KeptPart(models.Model):
    """A rendered page part, shared by every web process (config/fragments.py): the key names
    the versions, viewer and code it was made under, so a row is never wrong, only unused.
    An unlogged table (migration 0028): nothing of it is written to the WAL, a crash empties
    it. The ``kept_parts_prune`` job deletes rows older than an hour."""

    key = models.CharField(max_length=80, primary_key=True)
    html = models.TextField()
    made_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("kept page part")
        verbose_name_plural = _("kept page parts")

    def __str__(self):
        return self.key
