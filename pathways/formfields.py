"""Form fields the feature forms share."""

from django import forms


def text_area(label, *, rows: int = 3, **kwargs) -> forms.CharField:
    """A free-text field shown as a text area ``rows`` lines high; ``kwargs`` as for CharField."""
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": rows}), **kwargs)
