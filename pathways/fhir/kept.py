"""Search results kept between identical searches (config/fragments.py, as the pages are).

A record system asks the same search again and again (a patient's plans beside its own
chart, the first page of its patients); between two changes of the organisation's patients
the answer is the same. A kept search holds the bundle's entries, the next page's cursor and
the reads to log, under the versions of every unit of the client's organisation (a change
of any patient a unit may see raises the unit's version, and so does a grant given or taken
away), the reference version (names, units, organisations), the client, the request's host
and query, and the minute (statuses that depend on the day).

What stays live: the token and its scopes are checked first, every answer logs one read per
resource returned (the kept reads), and the bundle's time and links are made per answer.

The versions are read on the database the search reads (the replica, when it may) and before
the search, so the rows kept under a version hold at least every change up to it, even on a
replica that is behind the primary.
"""

import json

from django.db import connections, router
from django.utils import timezone

from config import fragments
from pathways.models import UnitVersion

NAME = "fhir-search"


def versions(client) -> str | None:
    """The versions a search of ``client`` depends on, or None where none are kept."""
    alias = router.db_for_read(UnitVersion)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(string_agg(u.id || ':' || coalesce(v.generation, 0), ','"
            " ORDER BY u.id), ''),"
            " coalesce((SELECT generation FROM pathways_referenceversion WHERE id = 1), 0)"
            " FROM accounts_serviceunit u"
            " LEFT JOIN pathways_unitversion v ON v.unit_id = u.id"
            " WHERE u.organisation_id = %s",
            [client.organisation_id],
        )
        units, reference = cursor.fetchone()
    return f"{units};{reference}"


def key(version: str, client, request) -> str:
    return fragments.key(
        NAME,
        version,
        (client.pk, request.build_absolute_uri()),
        timezone.now().replace(second=0, microsecond=0),
    )


def get(key_: str) -> dict | None:
    kept = fragments.get(key_)
    return None if kept is None else json.loads(kept)


def put(key_: str, found: dict) -> None:
    """Keep ``found``: the entries (JSON text), the next page's cursor and the reads."""
    fragments.put(key_, json.dumps(found, ensure_ascii=False))
