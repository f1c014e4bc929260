"""Field factories for the foreign keys that many models repeat.

Each returns the same field the models used to spell out in full, so the
migrations see no change. References are by label, so any app may use them.
"""

from django.conf import settings
from django.db import models


def user_fk(verbose_name=None, *, optional=False, related_name="+"):
    """A protected foreign key to a user; an optional one may stay empty."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=optional,
        blank=optional,
        related_name=related_name,
        verbose_name=verbose_name,
    )


def unit_fk(verbose_name=None, *, optional=False, related_name="+"):
    """A protected foreign key to a service unit; an optional one may stay empty."""
    return models.ForeignKey(
        "accounts.ServiceUnit",
        on_delete=models.PROTECT,
        null=optional,
        blank=optional,
        related_name=related_name,
        verbose_name=verbose_name,
    )
