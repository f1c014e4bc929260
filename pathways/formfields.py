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


class DateRangeMixin:
    """For a form with a period: ``date_range = (start, end, message)`` puts ``message`` on the
    field ``end`` when both dates are given and it is the earlier. Put it first among the bases."""

    date_range: tuple[str, str, str]

    def clean(self):
        cleaned = super().clean()
        start, end, message = self.date_range
        first, last = cleaned.get(start), cleaned.get(end)
        if first and last and last < first:
            self.add_error(end, message)
        return cleaned
