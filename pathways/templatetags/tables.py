"""Table markup written once: the head row of a data table, and a whole data table."""

from django import template

register = template.Library()


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
