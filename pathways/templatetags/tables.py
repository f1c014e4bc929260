"""Table markup written once: the head row of a data table, and a whole data table."""

from django import template
from django.template import engines
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()

_CSRF_INPUT = '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'


@register.inclusion_tag("includes/_thead.html")
def table_head(*columns, actions=False):
    """``{% table_head _("Name") _("Age") %}``: a head row of column headers (scope="col").

    ``actions=True`` adds a last column for per-row buttons, named for screen readers only.
    """
    return {"columns": columns, "actions": actions}


@register.inclusion_tag("includes/_data_table.html", takes_context=True)
def data_table(
    context, rows, row_template, *columns, caption, empty="", actions=False, css="", page=None
):
    """A data table: hidden caption, head row, ``row_template`` per item (as ``row``), pagination.

    ``{% data_table items "page.html#row" _("Name") _("Age") caption=_("…") empty=_("None.") %}``.
    Without rows it shows ``empty`` in place of the table (the empty table when there is no
    ``empty``). The row template sees the page's context, so its links and buttons work as there.
    """
    return {
        **context.flatten(),
        "rows": rows,
        "row_template": row_template,
        "columns": columns,
        "caption": caption,
        "empty": empty,
        "actions": actions,
        "css": css,
        "page": page,
    }


@register.simple_tag(takes_context=True)
def table_rows(context, row_template, rows):
    """``row_template`` for each of ``rows`` (as ``row``), in the page's context.

    A ``.jinja`` template (templates/jinja2/, see config/jinja.py) renders all the rows in
    one call, looping over ``rows`` itself, with the page's context. A Django template is
    looked up once and its nodes rendered per row: an ``{% include %}`` per row costs about
    35 µs more each (a name lookup, a context state push). Row templates extend nothing."""
    if row_template.endswith(".jinja"):
        # The page's CSRF token, as {% csrf_token %} writes it: Django's own Jinja2
        # ``csrf_input`` masks a new token each time it is shown, 64 random draws per row.
        token = context.get("csrf_token")
        csrf = _CSRF_INPUT.format(conditional_escape(token)) if token else ""
        flat = {**context.flatten(), "rows": rows, "csrf_input": mark_safe(csrf)}  # noqa: S308
        html = engines["jinja2"].get_template(row_template).template.render(flat)
        return mark_safe(html)  # noqa: S308 - Jinja2 escaped the values (autoescape)
    nodelist = context.template.engine.get_template(row_template).nodelist
    rendered = []
    with context.push():
        for row in rows:
            context["row"] = row
            rendered.append(nodelist.render(context))
    return mark_safe("".join(rendered))  # noqa: S308 - each row's nodes escaped their values


@register.simple_tag(takes_context=True)
def table_row(context, row_template, row):
    """``{% table_rows %}`` for one item: the same template shows a list's item on its own
    (an inline save sends back the item it saved)."""
    return table_rows(context, row_template, [row])
