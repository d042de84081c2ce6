"""Forms of the moderation pages: the decision, a report, a review date, the queue's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cities.models import City
from pactesur.forms import SafeForm

from .filters import item_type_choices
from .models import Report


class DecisionForm(SafeForm):
    """One form for every decision: the message (optional to publish, required for the others:
    the services say so, and the view shows their error on this field) and the version of the
    item the page showed (``moderation.versions``), which the decision is taken on."""

    message = forms.CharField(
        label=_("Message to the author"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Required for every decision but publishing: say what to change, or why. "
            "It is emailed to the author and kept in the item's history."
        ),
    )
    version = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)


class ReportForm(SafeForm):
    """A member's report of a published item (``moderation.reports``)."""

    reason = forms.ChoiceField(
        label=_("Reason"), choices=Report.Reason.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What is wrong, for the moderators. The item's authors are told that it was "
            "reported, never by whom."
        ),
    )


class ReviewByForm(SafeForm):
    review_by = forms.DateField(
        label=_("Review by"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("When your city should check that it is still current."),
    )


AGE_CHOICES = [
    ("", _("Any age")),
    ("1", _("Waiting more than a day")),
    ("7", _("Waiting more than a week")),
    ("30", _("Waiting more than a month")),
]


class QueueFilterForm(SafeForm):
    """The queue's filters: item type (every registered model), city and age."""

    type = forms.ChoiceField(label=_("Type"), required=False)
    city = forms.ModelChoiceField(
        label=_("City"),
        required=False,
        queryset=City.objects.none(),
        to_field_name="slug",
        empty_label=_("Any city"),
    )
    age = forms.ChoiceField(label=_("Age"), required=False, choices=AGE_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["type"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [("", _("Any type")), *item_type_choices()]
        city = self.fields["city"]
        assert isinstance(city, forms.ModelChoiceField)
        city.queryset = City.objects.in_project().order_by("name")
