import functools
import ipaddress
import re
import time
import uuid

from django.conf import settings
from django.db import connections
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from accounts import context
from accounts.acting import Actor
from accounts.units import active_membership_for

# A request id from a proxy: letters, digits and dashes, no longer than the audit column.
REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,36}")


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]):
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ValueError(f"TRUSTED_PROXY_IPS: {entry!r} is not an address or network") from exc
    return networks


class RequestIdMiddleware:
    """Give every request an id and remember the client address for the audit log.

    The id a client sends in ``X-Request-ID`` is kept only when the request comes from a
    trusted proxy (``TRUSTED_PROXY_IPS``) and the id is well formed; otherwise a new one is
    made, so nobody can put their own text into the audit log or pose as another request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def _from_trusted_proxy(self, request) -> bool:
        trusted = _networks(tuple(settings.TRUSTED_PROXY_IPS))
        if not trusted:
            return False
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(address in network for network in trusted)

    def request_id(self, request) -> str:
        given = request.headers.get("X-Request-ID", "")
        if given and REQUEST_ID.fullmatch(given) and self._from_trusted_proxy(request):
            return given
        return str(uuid.uuid4())

    def __call__(self, request):
        request.request_id = self.request_id(request)
        token = context.current.set(
            context.RequestContext(
                request_id=request.request_id, ip_address=request.META.get("REMOTE_ADDR")
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.current.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


def stamp_session_renewed(sender, request, user, **kwargs):
    """Logging in saves the session anyway: start its idle window there (user_logged_in)."""
    session = getattr(request, "session", None)
    if session is not None:
        session[IdleTimeoutMiddleware.KEY] = int(time.time())


class IdleTimeoutMiddleware:
    """Renew the session's idle window at most once a minute, not on every request.

    Saving the session on every request (``SESSION_SAVE_EVERY_REQUEST``) costs an UPDATE and
    a commit on every page, three of the cheapest page's five queries. Here a request saves
    the session (and so moves its expiry to ``SESSION_COOKIE_AGE`` from now) only when the
    last renewal is ``SESSION_RENEW_SECONDS`` old; a session therefore ends between
    ``SESSION_COOKIE_AGE - SESSION_RENEW_SECONDS`` and ``SESSION_COOKIE_AGE`` after the last
    request, never later. Placed after SessionMiddleware, so the save happens in its
    response phase as for any other change to the session.
    """

    KEY = "_renewed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # No cookie, no session: nothing to keep alive (and no session made for visitors).
        if session is None or session.session_key is None:
            return response
        renewed = session.get(self.KEY)
        if session.session_key is None:  # the cookie named a session that has ended
            return response
        now = int(time.time())
        if not isinstance(renewed, int) or now - renewed >= settings.SESSION_RENEW_SECONDS:
            session[self.KEY] = now
        return response


class ActiveUnitMiddleware:
    """Attach the unit the user acts for: ``request.active_membership``, ``request.active_unit``
    and ``request.actor``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        membership = SimpleLazyObject(lambda: active_membership_for(request))
        request.active_membership = membership
        request.active_unit = SimpleLazyObject(
            lambda: membership.unit if membership else None  # noqa: B023
        )
        # Who acts in this request: the one argument services take.
        request.actor = SimpleLazyObject(lambda: Actor.of(request))  # noqa: B023
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Content Security Policy without 'unsafe-inline', and no caching of dynamic pages."""

    CSP = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
        "base-uri 'self'; object-src 'none'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.CSP)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        # Patient pages and PDFs must never be kept by browsers or proxies.
        if not request.path.startswith(
            settings.STATIC_URL
            if settings.STATIC_URL.startswith("/")
            else "/" + settings.STATIC_URL
        ):
            response["Cache-Control"] = "no-store"
        return response


class LanguageMiddleware:
    """Norwegian unless the user chose another language (the language cookie).

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: shared
    workstations in hospitals often run an English browser, and the service speaks bokmål.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class QueryCountMiddleware:
    """Add ``X-Query-Count`` (database queries for this request); only with BENCH_QUERY_COUNT.

    Placed first, so the session and user lookups are counted too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connections["default"].execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        return response
