"""Querysets whose SQL is made once per process, for the queries every page view runs.

Django builds and compiles a queryset's SQL on every evaluation. For the wide, annotated
queries of the busiest pages that costs more than running them: the patient overview spent
about 40 % of its time turning querysets into SQL. ``prepared`` takes a function that builds
the queryset from keyword arguments, and runs it with new arguments on SQL made once:

    @prepared
    def open_plan(patient_id):
        return IndividualPlan.objects.filter(patient_id=patient_id).select_related(...)[:1]

    rows = open_plan(patient_id=patient.pk)  # a list, as list(queryset) would give

What it returns is what Django's own iteration gives for that queryset (model instances with
their select_related objects and annotations, or values), because Django's iterables run it;
only the SQL text and its parameter list come from the cache.

Why it cannot run a wrong query: the builder is called with stand-ins (markers) for the
arguments, never with real ones, so it cannot choose other SQL by an argument's value. The
markers' places among the compiled parameters are where a call's arguments go. Arguments that
do change the SQL (None, True or False, a limit) are part of the cache key and reach the
builder as they are. On first use the builder is compiled twice with different markers:
different SQL, a marker that the ORM changed on its way (``date + timedelta``, ``%value%``)
or any other parameter that differs (``now()`` inside the builder) is an error, never a
cached query. (An argument a shape does not use is simply not in its SQL.) What a builder
reads besides its arguments is kept with the SQL: it must not read the database (a content
type's id), and a limit that may change (a setting, a constant tests patch) comes in as a
``shape`` argument.
"""

import datetime
import threading
from functools import wraps

from django.db import DEFAULT_DB_ALIAS, connections

_INT_BASE = (2_100_000_000, 2_110_000_000)  # inside a 32-bit integer column's range
_DATE_BASE = (datetime.date(1901, 1, 1), datetime.date(1902, 1, 1))


class PreparedQueryError(Exception):
    """A builder that cannot be prepared; the message says which argument and why."""


def _marker(value, index: int, variant: int):
    kind = type(value)
    if kind is int:
        return _INT_BASE[variant] + 7919 * (index + 1)
    if kind is str:
        return f"\x1eprepared-{variant}-{index}\x1e"
    if kind is datetime.datetime:
        start = datetime.datetime.combine(_DATE_BASE[variant], datetime.time(), datetime.UTC)
        return start + datetime.timedelta(seconds=index + 1)
    if kind is datetime.date:
        return _DATE_BASE[variant] + datetime.timedelta(days=index + 1)
    return None


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b


def _shallow(obj, **changes):
    """A shallow copy with some attributes changed. Not copy.copy: a QuerySet's pickling
    support would run the query to fill its cache first."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    new.__dict__.update(changes)
    return new


class _Entry:
    """One compiled shape: the SQL, its parameters, where each argument goes, and the
    queryset and compiler whose state Django's iterables read (select, klass_info…)."""

    __slots__ = ("sql", "params", "slots", "queryset", "compiler")

    def __init__(self, sql, params, slots, queryset, compiler):
        self.sql, self.params, self.slots = sql, params, slots
        self.queryset, self.compiler = queryset, compiler

    def run(self, values: dict) -> list:
        params = list(self.params)
        for position, name in self.slots:
            params[position] = values[name]
        sql = self.sql
        template = self.compiler

        def get_compiler(using=None, connection=None, elide_empty=True):
            compiler = _shallow(template, connection=connection or connections[using])
            compiler.as_sql = lambda *args, **kwargs: (sql, params)
            return compiler

        query = _shallow(self.queryset.query, get_compiler=get_compiler)
        return list(_shallow(self.queryset, _query=query, _result_cache=None))


def _compile(build, fixed: dict, variables: dict, variant: int):
    """Build with markers in place of ``variables`` (their type decides the marker's)."""
    arguments = dict(fixed)
    markers = {}
    for index, name in enumerate(sorted(variables)):
        markers[name] = arguments[name] = _marker(variables[name], index, variant)
    queryset = build(**arguments)
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    return queryset, compiler, sql, tuple(params), markers


# Shapes kept per builder, the least recently made dropped first: a builder whose shape
# includes a page's offset makes one per page number anyone has opened.
MAX_SHAPES = 64


def prepared(build=None, *, shape: tuple[str, ...] = ()):
    """Decorator: ``build(**kwargs) -> QuerySet``; the wrapper takes the same keyword
    arguments and returns the queryset's results as a list. ``shape`` names arguments that
    change the SQL itself (a LIMIT or OFFSET, a list's length); None and booleans always do."""
    if build is None:
        return lambda function: prepared(function, shape=shape)
    cache: dict = {}
    lock = threading.Lock()

    @wraps(build)
    def wrapper(**kwargs):
        if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
            # The embedded demo's SQLite turns dates into text while compiling, so markers
            # cannot be found again; its few users do not need the SQL made once.
            return list(build(**kwargs))
        fixed, variables = {}, {}
        for name, value in kwargs.items():
            if name in shape or value is None or type(value) is bool:
                fixed[name] = value
            elif _marker(value, 0, 0) is None:
                raise PreparedQueryError(
                    f"{build.__qualname__}: argument {name!r} is a {type(value).__name__}; "
                    "pass an int, str, date or datetime, or name it in shape=()"
                )
            else:
                variables[name] = value
        # Values that change the SQL, and the type of each other argument (its marker's).
        key = (
            tuple(sorted(fixed.items())),
            tuple(sorted((n, type(v).__name__) for n, v in variables.items())),
        )
        entry = cache.get(key)
        if entry is None:
            entry = _prepare(build, fixed, variables)
            with lock:  # the development server and Celery threads share the cache
                while len(cache) >= MAX_SHAPES:
                    cache.pop(next(iter(cache)))
                cache[key] = entry
        return entry.run(variables)

    wrapper.cache = cache
    return wrapper


def _prepare(build, fixed: dict, variables: dict) -> _Entry:
    names = sorted(variables)
    where = build.__qualname__
    first = _compile(build, fixed, variables, 0)
    second = _compile(build, fixed, variables, 1)
    queryset, compiler, sql, params, markers = first
    _, _, sql_b, params_b, markers_b = second
    if sql != sql_b or len(params) != len(params_b):
        raise PreparedQueryError(f"{where}: the SQL depends on an argument's value")
    slots = []
    for position, (a, b) in enumerate(zip(params, params_b, strict=True)):
        name = next((n for n in names if _same(a, markers[n])), None)
        if name is not None:
            if not _same(b, markers_b[name]):
                raise PreparedQueryError(f"{where}: argument {name!r} moved between compiles")
            slots.append((position, name))
        elif not _same(a, b):
            raise PreparedQueryError(
                f"{where}: parameter {position} ({a!r}) changes between compiles: an "
                "argument changed on its way (arithmetic, a contains lookup) or a value "
                "computed inside the builder; pass the final value as an argument"
            )
    return _Entry(sql, params, tuple(slots), queryset, compiler)


def first_row(queryset):
    """``queryset.first()`` as a queryset for a builder: its ordering, or the primary key's."""
    return (queryset if queryset.ordered else queryset.order_by("pk"))[:1]


def one(rows: list):
    """The first of a prepared query's rows, or None (as ``.first()`` gives)."""
    return rows[0] if rows else None


class PreparedRows:
    """A list for Django's Paginator whose pages come from a prepared query:
    ``fetch(offset=…, limit=…)`` gives the rows of one page, ``count()`` how many in all
    (called only when the paginator was not told the count)."""

    def __init__(self, fetch, count):
        self._fetch, self._count = fetch, count

    def count(self) -> int:
        return self._count()

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("PreparedRows gives pages (slices) only")
        start = index.start or 0
        if index.stop <= start:
            return []  # an empty list's page: nothing to ask the database
        return self._fetch(offset=start, limit=index.stop - start)
