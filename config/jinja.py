"""The Jinja2 environment for the rows of the longest lists (templates/jinja2/, ``.jinja``).

The pages are Django templates; only the rows a list repeats fifty or a hundred times are
Jinja2 templates, rendered in one call from ``{% table_rows %}``
(pathways/templatetags/tables.py). Jinja2 compiles a template to Python code, so a row costs
a fifth of what Django's template engine spends walking its nodes, and on a list page the rows
were most of the time. Row templates use only what is defined here:

- ``_("…")`` and ``ngettext(…)``: Django's translations (``make makemessages`` reads these
  files as it reads Django templates);
- ``url("name", pk, …)``: the same string as ``{% url %}``;
- ``value|date("j.n.Y")``: the same as Django's ``date`` filter, in local time;
- ``value|linebreaksbr`` and ``value|truncatechars(40)``: Django's filters;
- ``csrf_input``: the hidden field of ``{% csrf_token %}``;
- the functions named in ``settings.JINJA_ROW_HELPERS`` (an app's own template tags, e.g.
  the referral list's deadline texts), by the same name.

Values are escaped as in Django templates (autoescape; Django's safe strings stay safe), and a
misspelt name is an error, not an empty string.
"""

import datetime

from django.conf import settings
from django.template.defaultfilters import linebreaksbr, truncatechars
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext, ngettext
from jinja2 import Environment, StrictUndefined

from config.template_builtins import date as django_date
from config.template_builtins import url_maker_for


def url(name: str, *args) -> str:
    if all(type(arg) is int for arg in args):
        maker = url_maker_for(name, len(args), get_script_prefix(), get_urlconf())
        if maker is not None:
            return maker(*args)
    return reverse(name, args=args)


def date(value, fmt=None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return django_date(value, fmt)


def environment(**options) -> Environment:
    options["undefined"] = StrictUndefined  # Django sets a forgiving one by default
    options.pop("autoescape", None)  # always on, as in Django templates
    env = Environment(autoescape=True, **options)
    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext, url=url)
    env.filters["date"] = date
    env.filters["linebreaksbr"] = linebreaksbr
    env.filters["truncatechars"] = truncatechars
    env.globals.update(
        {name: import_string(path) for name, path in settings.JINJA_ROW_HELPERS.items()}
    )
    return env
