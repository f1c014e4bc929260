"""Forgetting every kept page part (both levels, see config/fragments.py): for a test that
counts the queries of a render, not of a kept page."""

from django.core.cache import caches

from config import fragments
from pathways.models import KeptPart


def forget_kept() -> None:
    caches[fragments.CACHE].clear()
    KeptPart.objects.all().delete()
