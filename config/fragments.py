"""Rendered fragments kept between requests, under a key that names everything they show.

A fragment's key holds a version the database keeps in step with the rows it is made of
(a generation raised by triggers in the writer's transaction), the day, the language and the
request's own parameters. A fragment is therefore never stale: any change makes a new key,
and the old entry is simply no longer asked for (it ages out of the cache). The version is
read before the rows, so a fragment holds at least every change up to its version.

The cache is the process's own memory (``CACHES["fragments"]``): nothing leaves the
process, a restart empties it, and the number of entries is bounded.
"""

import hashlib
import secrets
from collections.abc import Callable

from django.core.cache import caches
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

CACHE = "fragments"

# Forms in a kept fragment carry this in place of the CSRF token; ``with_csrf`` puts the
# request's own token there when the fragment is served (a kept token would be another
# session's). Random per process, as the cache is: no text typed into a page can match it.
CSRF_MARK = f"csrf-{secrets.token_hex(16)}"


def key(name: str, version, parts: tuple, moment=None) -> str:
    """The cache key of (``name``, ``version``, ``moment`` (today unless given), the
    language, ``parts``)."""
    moment = timezone.localdate() if moment is None else moment
    raw = repr((version, moment, translation.get_language(), parts))
    return f"{name}:{hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()}"


def fragment(name: str, version, parts: tuple, render: Callable[[], str]) -> SafeString:
    """``render()``'s HTML for (``name``, ``version``, today, language, ``parts``), kept.

    ``version`` None (no kept version, e.g. on SQLite) renders every time."""
    if version is None:
        return mark_safe(render())  # noqa: S308 - rendered by the template engine (escaped)
    key_ = key(name, version, parts)
    cache = caches[CACHE]
    html = cache.get(key_)
    if html is None:
        html = str(render())
        cache.set(key_, html)
    return mark_safe(html)  # noqa: S308 - rendered by the template engine (escaped)


def with_csrf(html: SafeString, token: str) -> SafeString:
    """A fragment rendered with ``csrf_token`` set to ``CSRF_MARK``, with the page's token
    (``get_token(request)``, given to the page's own forms as well)."""
    return mark_safe(html.replace(CSRF_MARK, token))  # noqa: S308 - a token
