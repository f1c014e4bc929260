"""Form fields the feature forms share."""

from django import forms


def text_area(label, *, rows: int = 3, **kwargs) -> forms.CharField:
    """A free-text field shown as a text area ``rows`` lines high; ``kwargs`` as for CharField."""
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


def text_areas(**rows: int) -> dict:
    """A model form's ``Meta.widgets``: a text area for each field, ``field=rows`` lines high."""
    return {name: forms.Textarea(attrs={"rows": n}) for name, n in rows.items()}
