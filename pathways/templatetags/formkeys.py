"""``{% form_key form %}``: the hidden key that lets a form be saved once (pathways.formkeys)."""

from django import template
from django.utils.html import format_html

from pathways import formkeys

register = template.Library()


@register.simple_tag
def form_key(form=None):
    """The form's key: the one it was posted with when it is shown again unsaved, else new."""
    key = getattr(form, "form_key", None) or formkeys.new_key()
    return format_html('<input type="hidden" name="{}" value="{}">', formkeys.FIELD, key)
