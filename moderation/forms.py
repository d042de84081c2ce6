"""Forms of the moderation pages: the moderator's decision."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pactesur.forms import SafeForm


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
