"""Reads that may go to a PostgreSQL read replica (``DATABASE_REPLICA_URL``).

Only code that asks for it reads the replica: the statistics pages, their CSV exports and the
FHIR search, each wrapped in ``replica_reads`` (or the ``reads_replica`` view decorator).
Everything else, and every write, uses the primary (``default``).

A replica is a little behind the primary. So that nobody misses what they just saved:
- within a request, once anything has been written, every later read goes to the primary;
- a request that wrote sets a short-lived cookie, and requests carrying it read the primary
  for ``REPLICA_PIN_SECONDS`` (the replica catches up long before it runs out);
- reads inside a transaction on the primary stay there (a read-then-write must see the truth).
Session renewals and audit events do not pin: the replica-read pages never read them back,
and since every page view writes an audit event, pinning on it would leave the replica unused.

When the replica does not answer, the reads go to the primary (and a warning is logged): a
statistics page is slower then, never broken. Without ``DATABASE_REPLICA_URL`` there is no
``replica`` alias and everything reads the primary, as before.
"""

import contextvars
import functools
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

log = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "samhandling_primary"
# Writes to these models neither pin reads to the primary nor are they read from the replica.
BOOKKEEPING = {"sessions.session", "accounts.auditevent"}


@dataclass
class _Reads:
    pinned: bool = False  # the browser wrote within the last few seconds
    replica: int = 0  # depth of replica_reads scopes, 0 outside
    wrote: bool = False  # this request (or scope) has written: the primary from now on


_state: contextvars.ContextVar[_Reads | None] = contextvars.ContextVar(
    "samhandling_reads", default=None
)


def configured() -> bool:
    return REPLICA in settings.DATABASES


def _label(model) -> str:
    return model._meta.label_lower


class PrimaryReplicaRouter:
    """Writes to the primary; reads to the replica only inside ``replica_reads``."""

    def db_for_read(self, model, **hints):
        state = _state.get()
        if (
            state is None
            or not state.replica
            or state.wrote
            or state.pinned
            or _label(model) in BOOKKEEPING
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        state = _state.get()
        if state is not None and _label(model) not in BOOKKEEPING:
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def _replica_answers() -> bool:
    connection = connections[REPLICA]
    try:
        # A persistent connection may have died with the replica: check it like Django does
        # before a request's first query, then (re)connect.
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError:
        log.warning("The read replica does not answer; reading the primary.", exc_info=True)
        return False
    return True


@contextmanager
def replica_reads():
    """Reads inside may go to the replica (unless pinned, or after a write)."""
    if not configured():
        yield
        return
    state = _state.get()
    token = None
    if state is None:
        # Outside a request (a shell, a task): a scope of its own.
        state = _Reads()
        token = _state.set(state)
    usable = state.replica > 0 or state.pinned or state.wrote or _replica_answers()
    if usable:
        state.replica += 1
    try:
        yield
    finally:
        if usable:
            state.replica -= 1
        if token is not None:
            _state.reset(token)


def reads_replica(view):
    """A view decorator: the view's reads may go to the replica."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        with replica_reads():
            return view(request, *args, **kwargs)

    return wrapped


def _pin_value(request) -> float:
    try:
        return float(request.COOKIES.get(PIN_COOKIE, "0"))
    except ValueError:
        return 0.0


class ReplicaPinMiddleware:
    """Keeps a browser on the primary for a few seconds after a request of it wrote.

    The cookie holds the time until which it is pinned; forging it changes only where that
    browser's own statistics are read from."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not configured():
            return self.get_response(request)
        state = _Reads(pinned=_pin_value(request) > time.time())
        token = _state.set(state)
        try:
            response = self.get_response(request)
        finally:
            _state.reset(token)
        if state.wrote:
            seconds = settings.REPLICA_PIN_SECONDS
            response.set_cookie(
                PIN_COOKIE,
                f"{time.time() + seconds:.0f}",
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
