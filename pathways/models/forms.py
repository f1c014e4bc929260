from django.conf import settings
from django.db import models
from django.utils import timezone


class FormSubmission(models.Model):
    """A rendered form that has been saved once, by its key (``pathways.formkeys``).

    The key is inserted in the transaction that saves the form, and it is unique: of two
    submissions of the same form (a double click, the back button, a retry after a timeout)
    only one saves; the other finds this row and leads to ``result_url``. Rows are deleted
    once a key is too old to be accepted anyway (``FORM_KEY_HOURS``).
    """

    key = models.UUIDField()
    # Passing data: it goes with its user, unlike the record's own rows (protected).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=300)
    # Where the first save led (empty when it answered in place, e.g. an htmx fragment).
    result_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key"], name="form_submission_key_once")]
        indexes = [models.Index(fields=["created_at"], name="form_submission_created")]

    def __str__(self):
        return f"{self.key} ({self.created_at:%Y-%m-%d %H:%M})"
