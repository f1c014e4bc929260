import functools
import ipaddress
import logging
import re
import time
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.http import Http404
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.views import defaults

from accounts import context
from accounts.acting import Actor
from accounts.units import active_membership_for

logger = logging.getLogger("django.request")

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

    @staticmethod
    def policy() -> str:
        """The CSP; logging out is a form whose answer redirects to the OpenID provider's
        end-session page, which form-action must then allow (browsers check redirects too)."""
        origins = [
            urlsplit(issuer)._replace(path="", query="", fragment="").geturl()
            for issuer in (settings.IDPORTEN_ISSUER, settings.HELSEID_ISSUER)
            if issuer
        ]
        if not origins:
            return SecurityHeadersMiddleware.CSP
        extra = " ".join(dict.fromkeys(origins))
        return SecurityHeadersMiddleware.CSP.replace(
            "form-action 'self';", f"form-action 'self' {extra};"
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.policy())
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


class AppErrorPagesMiddleware:
    """With ``DEBUG`` on and ``APP_ERROR_PAGES`` set (``make run``), answer with the app's own
    404, 403 and 500 pages instead of Django's technical pages, so the demo shows what a user sees.

    Django renders its technical pages for 404 and 500 whenever ``DEBUG`` is on, so the errors are
    caught here first: a view's exception in ``process_exception`` (this is the innermost
    middleware, so it is asked first), a path that no URL matches before the view is looked up.
    The traceback of a 500 still goes to the log. With ``DEBUG`` off Django's own handlers render
    the same templates and this does nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _active() -> bool:
        return settings.DEBUG and settings.APP_ERROR_PAGES

    def __call__(self, request):
        if self._active():
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exc:
                return defaults.page_not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not self._active():
            return None
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return defaults.permission_denied(request, exception)
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"request": request},
        )
        return defaults.server_error(request)
