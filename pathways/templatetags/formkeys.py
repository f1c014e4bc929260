"""``{% form_key form %}``: the hidden key that lets a form be saved once (pathways.formkeys)."""

from django import template
from django.utils.html import format_html

from pathways import formkeys
from pathways.kept import FORM_KEY_MARK

register = template.Library()


@register.simple_tag(takes_context=True)
def form_key(context, form=None):
    """The form's key: the one it was posted with when it is shown again unsaved, else new
    (a mark while a page part is being kept: each serving of it gets a new key)."""
    key = getattr(form, "form_key", None)
    if key is None and context.get("keeping"):
        key = FORM_KEY_MARK
    key = key or formkeys.new_key()
    return format_html('<input type="hidden" name="{}" value="{}">', formkeys.FIELD, key)
