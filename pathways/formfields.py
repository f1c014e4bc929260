"""Form fields the feature forms share."""

from django import forms

# A date picker; the ISO format is what the browser's date input reads and sends.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def date_field(label, *, required: bool = True, **kwargs) -> forms.DateField:
    """A date field with the browser's date picker; ``kwargs`` as for DateField."""
    return forms.DateField(label=label, required=required, widget=DATE, **kwargs)


def text_area(label, *, rows: int = 3, **kwargs) -> forms.CharField:
    """A free-text field shown as a text area ``rows`` lines high; ``kwargs`` as for CharField."""
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


def text_areas(**rows: int) -> dict:
    """A model form's ``Meta.widgets``: a text area for each field, ``field=rows`` lines high."""
    return {name: forms.Textarea(attrs={"rows": n}) for name, n in rows.items()}


def end_not_before_start(form, start: str, end: str, message) -> None:
    """In ``clean``: ``message`` on field ``end`` when both dates are given and it is earlier."""
    first, last = form.cleaned_data.get(start), form.cleaned_data.get(end)
    if first and last and last < first:
        form.add_error(end, message)
