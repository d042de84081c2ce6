"""Forms of exchanges: validation and cleaning only (the writes are in services.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import ThemeChoiceField
from cities.models import Theme
from moderation.models import VISIBILITY_HELP, Visibility
from pactesur.forms import SafeForm, SafeModelForm

from .filters import language_choices
from .models import Application, Evaluation, FieldReport, Offer, Window

RATING_CHOICES = [(n, str(n)) for n in range(5, 0, -1)]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: Any = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class OfferForm(SafeModelForm):
    themes = ThemeChoiceField(
        label=_("Themes"),
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    host_languages = forms.MultipleChoiceField(
        label=_("Languages spoken by the hosts"),
        choices=language_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    required_languages = forms.MultipleChoiceField(
        label=_("Languages visitors must speak"),
        choices=language_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("At least one of these. Leave empty if none is required."),
    )
    visibility = forms.ChoiceField(
        label=_("Who can read it"),
        choices=[(v.value, f"{v.label}: {VISIBILITY_HELP[v]}") for v in Visibility],
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Offer
        fields = [
            "title",
            "kind",
            "event_name",
            "description",
            "themes",
            "host_languages",
            "required_rank",
            "required_languages",
            "police_only",
            "application_deadline",
            "visibility",
        ]
        widgets = {
            "application_deadline": DateInput(),
            "description": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        themes = self.fields["themes"]
        themes.queryset = Theme.objects.for_display().order_by("position", "name")  # type: ignore[attr-defined]

    def moderated_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in Offer.MODERATED_FIELDS}


class WindowForm(SafeModelForm):
    class Meta:
        model = Window
        fields = ["start", "end", "places"]
        widgets = {"start": DateInput(), "end": DateInput()}


class ApplicationForm(SafeModelForm):
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak"),
        choices=language_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Application
        fields = ["preferred_window", "motivation", "expected_benefit", "languages"]
        widgets = {
            "preferred_window": forms.RadioSelect,
            "motivation": forms.Textarea(attrs={"rows": 5}),
            "expected_benefit": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args: Any, offer: Offer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["preferred_window"]
        field.queryset = offer.windows.order_by("start")  # type: ignore[attr-defined]
        field.empty_label = None  # type: ignore[attr-defined]
        field.required = True


class TransitionForm(SafeForm):
    """A step of the workflow: a message (a reason where the step needs one)."""

    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AcceptForm(TransitionForm):
    window = forms.ModelChoiceField(
        label=_("Dates"), queryset=Window.objects.none(), widget=forms.RadioSelect, empty_label=None
    )

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["window"]
        field.queryset = application.offer.windows.order_by("start")  # type: ignore[attr-defined]
        field.initial = application.preferred_window_id


class ScheduleForm(TransitionForm):
    start = forms.DateField(label=_("First day"), widget=DateInput())
    end = forms.DateField(label=_("Last day"), widget=DateInput())
    programme = forms.CharField(
        label=_("Programme"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    practical_notes = forms.CharField(
        label=_("Practical notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Where to report, uniform, lodging."),
    )


class EvaluationForm(SafeModelForm):
    class Meta:
        model = Evaluation
        fields = ["overall", "usefulness", "organisation", "comments"]
        widgets = {
            "overall": forms.RadioSelect(choices=RATING_CHOICES),
            "usefulness": forms.RadioSelect(choices=RATING_CHOICES),
            "organisation": forms.RadioSelect(choices=RATING_CHOICES),
            "comments": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"overall": _("5 is best.")}


class ReportForm(SafeModelForm):
    class Meta:
        model = FieldReport
        fields = ["observed", "bring_home", "consent_practice"]
        widgets = {
            "observed": forms.Textarea(attrs={"rows": 6}),
            "bring_home": forms.Textarea(attrs={"rows": 6}),
        }


class FollowUpForm(SafeForm):
    answer = forms.CharField(
        label=_("What did you change at home?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class AttachReportForm(SafeForm):
    practice = forms.ModelChoiceField(label=_("Practice"), queryset=Theme.objects.none())

    def __init__(self, *args: Any, practices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practice"].queryset = practices  # type: ignore[attr-defined]
