"""Table markup written once: the head row of a data table."""

from django import template

register = template.Library()


@register.inclusion_tag("includes/_thead.html")
def table_head(*columns):
    """``{% table_head _("Name") _("Age") %}``: a head row of column headers (scope="col")."""
    return {"columns": columns}
