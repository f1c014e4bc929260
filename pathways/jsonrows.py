"""Several short lists read in one query: each list an array of JSON rows (PostgreSQL).

A page that shows a handful of short lists of one record (a plan's participants and
comments, a patient's care team and next of kin) would spend a query on each. ``rows`` makes
a list an array column of one query; ``instance`` turns a JSON row back into a model instance
to show (never saved). ``related`` names what a row shows of the rows it points to, read in
the same query: ``{"unit": ("name", "organisation_id", {"organisation": ("name",)})}`` gives
the row a unit with its name and an organisation with its name.
"""

import datetime

from django.db import models
from django.db.models.functions import JSONObject


def rows(queryset, related=None, annotations=()):
    """``queryset``'s rows (in its order) as one array of JSON objects, for ``annotate``;
    ``annotations`` names the queryset's annotations each row carries too."""
    from django.contrib.postgres.expressions import ArraySubquery

    fields = {f.attname: f.attname for f in queryset.model._meta.concrete_fields}
    fields.update(_related_fields(related or {}, ""))
    fields.update({name: name for name in annotations})
    return ArraySubquery(queryset.values(json=JSONObject(**fields)))


def _related_fields(related: dict, prefix: str) -> dict:
    fields = {}
    for name, shown in related.items():
        path = f"{prefix}{name}__"
        for field in shown:
            if isinstance(field, dict):
                fields.update(_related_fields(field, path))
            else:
                fields[path + field] = path + field
    return fields


def instance(model, data: dict, related=None):
    """A model instance from a JSON row of ``rows``: dates and times parsed back from their
    ISO text, with the ``related`` rows it shows."""
    values = {}
    for field in model._meta.concrete_fields:
        value = data.get(field.attname)
        if isinstance(value, str) and isinstance(field, models.DateTimeField):
            value = datetime.datetime.fromisoformat(value)
        elif isinstance(value, str) and isinstance(field, models.DateField):
            value = datetime.date.fromisoformat(value)
        values[field.attname] = value
    found = model(**values)
    _attach(found, data, related or {}, "")
    return found


def _attach(found, data: dict, related: dict, prefix: str) -> None:
    for name, shown in related.items():
        key = data.get(f"{prefix}{name}_id")
        if key is None:
            continue
        path = f"{prefix}{name}__"
        target = (
            type(found)
            ._meta.get_field(name)
            .related_model(pk=key, **{f: data[path + f] for f in shown if not isinstance(f, dict)})
        )
        for nested in (f for f in shown if isinstance(f, dict)):
            _attach(target, data, nested, path)
        setattr(found, name, target)
