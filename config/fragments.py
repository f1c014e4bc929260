"""Rendered fragments kept between requests, under a key that names everything they show.

A fragment's key holds a version the database keeps in step with the rows it is made of
(a generation raised by triggers in the writer's transaction), the day, the language, the
request's own parameters and the code that rendered it (``STAMP``). A fragment is therefore
never stale: any change makes a new key, and the old entry is simply no longer asked for. The
version is read before the rows, so a fragment holds at least every change up to its version.

Two levels: the process's own memory (``CACHES["fragments"]``, bounded), and on PostgreSQL
an unlogged table every process shares (``KeptPart``; pruned hourly by ``kept_parts_prune``),
so a part rendered by one web worker serves the others and the other hosts. Health data stays
in the database it came from: no other store holds it.
"""

import hashlib
import hmac
import secrets
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

CACHE = "fragments"
ROOT = Path(__file__).resolve().parents[1]


def _stamp() -> str:
    """A digest of what renders a part (templates, the apps' code, the catalogue): processes
    running the same code share parts; a deployment that changes any of it starts afresh."""
    digest = hashlib.blake2b(digest_size=8)
    for folder, pattern in SOURCES:
        for path in sorted((ROOT / folder).glob(pattern)):
            if path.is_file():
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


SOURCES = [
    ("templates", "**/*"),
    ("locale", "**/*.po"),
    *((package, "**/*.py") for package in ("accounts", "config", "pathways", "referrals")),
]


STAMP = _stamp()


def _mark(purpose: str) -> str:
    # The same in every process running this code (a part made by one is served by another),
    # and unguessable from outside (derived from SECRET_KEY): no text typed into a page can
    # match it.
    secret = settings.SECRET_KEY.encode() or secrets.token_bytes(32)
    return hmac.new(secret, f"{purpose}:{STAMP}".encode(), hashlib.sha256).hexdigest()[:32]


# Forms in a kept fragment carry this in place of the CSRF token; ``with_csrf`` puts the
# request's own token there when the fragment is served (a kept token would be another
# session's).
CSRF_MARK = f"csrf-{_mark('csrf')}"


def key(name: str, version, parts: tuple, moment=None) -> str:
    """The cache key of (``name``, ``version``, ``moment`` (today unless given), the
    language, ``parts``), for the code running now."""
    moment = timezone.localdate() if moment is None else moment
    raw = repr((STAMP, version, moment, translation.get_language(), parts))
    return f"{name}:{hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()}"


def get(key_: str) -> str | None:
    """The part kept under ``key_``: this process's, else the shared one (then kept here)."""
    cache = caches[CACHE]
    html = cache.get(key_)
    if html is None and _shared():
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT html FROM pathways_keptpart WHERE key = %s", [key_])
            row = cursor.fetchone()
        if row is not None:
            html = row[0]
            cache.set(key_, html)
    return html


def put(key_: str, html: str) -> None:
    caches[CACHE].set(key_, html)
    if _shared():
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            # Another process may have made the same part meanwhile: the same HTML.
            cursor.execute(
                "INSERT INTO pathways_keptpart (key, html, made_at) VALUES (%s, %s, %s)"
                " ON CONFLICT (key) DO NOTHING",
                [key_, html, timezone.now()],
            )


def prune(older_than) -> int:
    """Delete shared parts made before ``older_than`` (their keys' minutes and days are past,
    or nobody asked for them)."""
    if not _shared():
        return 0
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("DELETE FROM pathways_keptpart WHERE made_at < %s", [older_than])
        return cursor.rowcount


def _shared() -> bool:
    return connections[DEFAULT_DB_ALIAS].vendor == "postgresql"


def fragment(name: str, version, parts: tuple, render: Callable[[], str]) -> SafeString:
    """``render()``'s HTML for (``name``, ``version``, today, language, ``parts``), kept.

    ``version`` None (no kept version, e.g. on SQLite) renders every time."""
    if version is None:
        return mark_safe(render())  # noqa: S308 - rendered by the template engine (escaped)
    key_ = key(name, version, parts)
    html = get(key_)
    if html is None:
        html = str(render())
        put(key_, html)
    return mark_safe(html)  # noqa: S308 - rendered by the template engine (escaped)


def with_csrf(html: SafeString, token: str) -> SafeString:
    """A fragment rendered with ``csrf_token`` set to ``CSRF_MARK``, with the page's token
    (``get_token(request)``, given to the page's own forms as well)."""
    return mark_safe(html.replace(CSRF_MARK, token))  # noqa: S308 - a token
