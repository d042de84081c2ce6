"""Forms of the moderation pages: the moderator's decision message."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pactesur.forms import SafeForm


class DecisionForm(SafeForm):
    """One message for every decision: optional to publish, required to request changes or
    unpublish (the services say so; the view shows their error on this field)."""

    message = forms.CharField(
        label=_("Message to the author"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Required to request changes or to unpublish: say what to change, or why. "
            "It is emailed to the author and kept in the item's history."
        ),
    )
