"""Prepared querysets (config/prepared.py): the same results as the queryset itself, SQL made
once, and every builder that could give a wrong query refused on first use."""

import datetime

import pytest
from django.db.models import Count, F
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.prepared import PreparedQueryError, prepared
from pathways.models import Patient
from tests.factories import make_org, make_patient, make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(vadso_rus, coordinator):
    other = make_unit(make_org("Sarpsborg kommune"))
    born = datetime.date(1970, 1, 1)
    made = []
    for i in range(12):
        unit = vadso_rus if i % 3 else other
        made.append(
            make_patient(
                unit,
                by=coordinator,
                first_name=f"Navn{i}",
                last_name=f"Etter{i % 4}",
                birth_date=born + datetime.timedelta(days=400 * i),
            )
        )
    return made


def direct_born_after(unit_id, after, limit):
    return (
        Patient.objects.filter(registered_by_unit_id=unit_id, birth_date__gt=after)
        .select_related("registered_by_unit__organisation")
        .annotate(n_consents=Count("consents"))
        .order_by("birth_date", "pk")[:limit]
    )


born_after = prepared(direct_born_after, shape=("limit",))


def test_rows_are_those_of_the_queryset_with_related_objects_and_annotations(people, vadso_rus):
    after = datetime.date(1972, 6, 1)
    got = born_after(unit_id=vadso_rus.pk, after=after, limit=5)
    expected = list(direct_born_after(vadso_rus.pk, after, 5))
    assert [p.pk for p in got] == [p.pk for p in expected] and len(got) == 5
    assert [p.registered_by_unit.organisation.name for p in got] == ["Vadsø kommune"] * 5
    assert [p.n_consents for p in got] == [p.n_consents for p in expected]
    # Other values, other rows, from the same SQL.
    later = born_after(unit_id=vadso_rus.pk, after=datetime.date(1980, 1, 1), limit=5)
    assert [p.pk for p in later] == [
        p.pk for p in direct_born_after(vadso_rus.pk, datetime.date(1980, 1, 1), 5)
    ]
    assert born_after(unit_id=vadso_rus.pk + 999, after=after, limit=5) == []


# The fixture's rows are only read, so sharing them between examples is fine.
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    offset=st.integers(min_value=-200, max_value=6000),
    limit=st.integers(min_value=1, max_value=15),
    own_unit=st.booleans(),
)
def test_any_arguments_give_what_the_queryset_gives(people, vadso_rus, offset, limit, own_unit):
    unit_id = vadso_rus.pk if own_unit else people[0].registered_by_unit_id
    after = datetime.date(1970, 1, 1) + datetime.timedelta(days=offset)
    got = born_after(unit_id=unit_id, after=after, limit=limit)
    assert [p.pk for p in got] == [p.pk for p in direct_born_after(unit_id, after, limit)]


def test_values_strings_datetimes_and_none(people, coordinator):
    @prepared
    def named(last_name, since, unit_id):
        found = Patient.objects.filter(last_name=last_name, created_at__gte=since)
        if unit_id is not None:
            found = found.filter(registered_by_unit_id=unit_id)
        return found.order_by("pk").values("pk", "first_name", unit=F("registered_by_unit_id"))

    since = timezone.now() - datetime.timedelta(hours=1)
    everyone = named(last_name="Etter1", since=since, unit_id=None)
    assert [row["pk"] for row in everyone] == [p.pk for p in people if p.last_name == "Etter1"]
    assert set(everyone[0]) == {"pk", "first_name", "unit"}
    unit_id = people[1].registered_by_unit_id
    mine = named(last_name="Etter1", since=since, unit_id=unit_id)
    assert mine and all(row["unit"] == unit_id for row in mine)
    assert named(last_name="Etter1", since=timezone.now(), unit_id=None) == []
    # None chose other SQL: a shape of its own, beside the one with a unit.
    assert len(named.cache) == 2


def test_the_sql_is_compiled_once_per_shape(people, vadso_rus, monkeypatch):
    @prepared
    def by_unit(unit_id):
        return Patient.objects.filter(registered_by_unit_id=unit_id).order_by("pk")

    by_unit(unit_id=vadso_rus.pk)  # compiles (twice, to check)
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(
        SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or original(self, *a, **k)
    )
    for _ in range(3):
        assert len(by_unit(unit_id=vadso_rus.pk)) == 8
    assert compiled == []


def test_a_value_computed_inside_the_builder_is_refused(people):
    @prepared
    def recent(unit_id):
        return Patient.objects.filter(registered_by_unit_id=unit_id, created_at__lte=timezone.now())

    with pytest.raises(PreparedQueryError, match="changes between compiles"):
        recent(unit_id=people[0].registered_by_unit_id)


def test_an_argument_changed_on_its_way_is_refused(people):
    @prepared
    def week_after(born):
        return Patient.objects.filter(birth_date__gt=born + datetime.timedelta(days=7))

    @prepared
    def containing(text):
        return Patient.objects.filter(last_name__icontains=text)

    with pytest.raises(PreparedQueryError, match="changes between compiles"):
        week_after(born=datetime.date(1980, 1, 1))

    @prepared
    def unused(unit_id):  # a shape may leave an argument out: nothing to put anywhere
        return Patient.objects.order_by("pk")

    with pytest.raises(PreparedQueryError, match="changes between compiles"):
        containing(text="tter")
    assert [p.pk for p in unused(unit_id=1)] == sorted(p.pk for p in people)


def test_an_argument_of_another_kind_must_be_named_as_shape(people):
    @prepared
    def among(ids):
        return Patient.objects.filter(pk__in=ids)

    with pytest.raises(PreparedQueryError, match="name it in shape"):
        among(ids=(1, 2))


def test_a_user_of_the_same_query_sees_only_their_rows(people, vadso_rus, coordinator):
    """The cached SQL carries no value of an earlier call (a unit's rows to the next unit)."""
    other_unit = people[0].registered_by_unit_id
    make_user(make_unit(make_org("Tromsø kommune")), username="tromso")

    @prepared
    def of_unit(unit_id):
        return Patient.objects.filter(registered_by_unit_id=unit_id).values_list("pk", flat=True)

    mine = set(of_unit(unit_id=vadso_rus.pk))
    theirs = set(of_unit(unit_id=other_unit))
    assert mine and theirs and not mine & theirs
    assert set(of_unit(unit_id=vadso_rus.pk)) == mine


def test_prepared_rows_page_like_the_queryset(people, vadso_rus):
    from django.core.paginator import Paginator

    from config.prepared import PreparedRows

    @prepared(shape=("offset", "limit"))
    def page_of(unit_id, offset, limit):
        return Patient.objects.filter(registered_by_unit_id=unit_id)[offset : offset + limit]

    def paginator(unit_id):
        rows = PreparedRows(
            lambda offset, limit: page_of(unit_id=unit_id, offset=offset, limit=limit),
            lambda: Patient.objects.filter(registered_by_unit_id=unit_id).count(),
        )
        return Paginator(rows, 3)

    direct = Paginator(Patient.objects.filter(registered_by_unit_id=vadso_rus.pk), 3)
    prepared_pages = paginator(vadso_rus.pk)
    assert prepared_pages.count == direct.count == 8
    for number in direct.page_range:
        assert [p.pk for p in prepared_pages.page(number)] == [p.pk for p in direct.page(number)]
    empty = paginator(vadso_rus.pk + 999)
    assert empty.count == 0 and list(empty.get_page(1)) == []
