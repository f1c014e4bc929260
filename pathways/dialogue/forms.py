"""The dialogue's forms: a new thread, and a reply (an answer or a further question)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.formfields import date_field, text_area

FILE_LABEL = _("Attachment (PDF, PNG or JPEG, at most 10 MB)")
TEXT_ERRORS = {"required": _("Write the text of your message.")}


class ThreadStartForm(forms.Form):
    to_unit = forms.TypedChoiceField(
        label=_("Ask"),
        coerce=int,
        error_messages={
            "required": _("Choose the unit you ask."),
            "invalid_choice": _("Choose a unit on the patient's care team."),
        },
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=200,
        help_text=_("A few words; the subject is shown in lists and notifications."),
        error_messages={"required": _("Write what the question is about.")},
    )
    text = text_area(_("Question"), rows=6, max_length=10000, error_messages=TEXT_ERRORS)
    answer_by = date_field(_("Answer by"), required=False)
    file = forms.FileField(
        label=FILE_LABEL, required=False, error_messages={"empty": _("The file is empty.")}
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {unit.pk: unit for unit in units}
        self.fields["to_unit"].choices = [("", _("Choose a unit"))] + [
            (unit.pk, f"{unit.name} ({unit.organisation.name})") for unit in units
        ]

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "to_unit": self.units.get(data["to_unit"]),
            "subject": data["subject"],
            "text": data["text"],
            "answer_by": data["answer_by"],
            "upload": data["file"] or None,
        }


class ReplyForm(forms.Form):
    text = text_area(_("Your answer"), rows=5, max_length=10000, error_messages=TEXT_ERRORS)
    file = forms.FileField(
        label=FILE_LABEL, required=False, error_messages={"empty": _("The file is empty.")}
    )
    # The latest post when the page was opened: what this reply responds to.
    in_response_to = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, asking: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if asking:
            self.fields["text"].label = _("Ask more")
