"""``{% keep %}…{% endkeep %}``: the part of a page that ``pathways.kept.render`` keeps."""

from django import template

from pathways.kept import KeepNode

register = template.Library()


@register.tag
def keep(parser, token):
    nodelist = parser.parse(("endkeep",))
    parser.delete_first_token()
    return KeepNode(nodelist)
