"""Forms of the treatment places: capacity, the choice of place, a changed planned start."""

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pathways.formfields import date_field, text_area
from referrals.models import JointIntakeCase
from referrals.placement.selectors import Suggestion


class CapacityForm(forms.Form):
    free_places = forms.IntegerField(
        label=_("Free places now"),
        min_value=0,
        max_value=500,
        error_messages={"required": _("Enter the number of free places (0 if none).")},
    )
    free_from = date_field(
        _("Free from"), required=False, help_text=_("Empty means today. Only with free places.")
    )
    expected_wait_days = forms.IntegerField(
        label=_("Expected waiting time (days)"),
        min_value=0,
        max_value=730,
        required=False,
        help_text=_("For a new patient who is granted rett today."),
    )
    capacity_note = forms.CharField(
        label=_("Note for the intake teams"), max_length=200, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def _choice_label(s: Suggestion) -> str:
    parts = [s.place.name, s.place.location]
    if s.place.free_places:
        parts.append(
            ngettext("%(n)s free place", "%(n)s free places", s.place.free_places)
            % {"n": s.place.free_places}
        )
    if s.start:
        parts.append(_("start from %(d)s") % {"d": date_format(s.start, "j.n.Y")})
    if s.distance_km is not None:
        parts.append(_("%(km)s km") % {"km": s.distance_km})
    if s.wished:
        parts.append(str(_("wished")))
    if not s.fits:
        parts.append(str(_("does not fit the granted help")))
    return " · ".join(str(p) for p in parts if p)


class PlaceForm(forms.Form):
    place = forms.TypedChoiceField(
        label=_("Treatment place"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a place.")},
    )
    planned_start = date_field(
        _("Planned start"), error_messages={"required": _("Enter the planned start.")}
    )
    reason = text_area(
        _("Reason for the choice"),
        rows=3,
        required=False,
        max_length=1000,
        help_text=_(
            "Needed when the place is neither the wished one nor among the earliest that fit, "
            "or when the start is after the frist. The referrer sees it."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, suggestions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.places = {s.place.pk: s.place for s in suggestions}
        self.fields["place"].choices = [(s.place.pk, _choice_label(s)) for s in suggestions]

    def clean_place(self):
        return self.places[self.cleaned_data["place"]]


class PlannedStartForm(forms.Form):
    planned_start = date_field(
        _("New planned start"), error_messages={"required": _("Enter the planned start.")}
    )
    reason = text_area(_("Why it changes"), rows=3, max_length=1000)
    version = forms.IntegerField(widget=forms.HiddenInput)


class JointIntakeForm(forms.Form):
    forum = forms.ModelChoiceField(
        label=_("Joint intake meeting"),
        queryset=None,
        error_messages={"required": _("Choose the meeting.")},
    )
    meeting_on = date_field(
        _("Meeting date"), required=False, help_text=_("Empty means the next meeting.")
    )
    referral = forms.ModelChoiceField(
        label=_("The referral it concerns"),
        queryset=None,
        required=False,
        help_text=_("Empty when the kommune asks before any referral is written."),
    )
    question = text_area(
        _("What the meeting should consider"),
        rows=4,
        max_length=2000,
        error_messages={"required": _("Write what the meeting should consider.")},
    )
    consent_given_on = date_field(
        _("The patient consented on"),
        error_messages={"required": _("The patient's consent is needed.")},
        help_text=_("The specialist service's intake team joins the care team on this consent."),
    )

    def __init__(self, *args, forums=None, referrals=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["forum"].queryset = forums
        self.fields["referral"].queryset = referrals


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Who takes the patient on"),
        widget=forms.RadioSelect,
        choices=JointIntakeCase.Outcome.choices,
        error_messages={"required": _("Choose who takes the patient on.")},
    )
    place = forms.ModelChoiceField(
        label=_("Treatment place"),
        queryset=None,
        required=False,
        help_text=_("When the specialist service takes the patient on."),
    )
    reasons = text_area(_("Reasons"), rows=3, max_length=2000)
    next_steps = text_area(_("Who does what next"), rows=3, max_length=2000)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, places=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places
