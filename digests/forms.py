from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import language_choices
from cities.models import Theme
from pactesur.forms import SafeForm, SafeModelForm

from .models import Subscriber


def _themes_field() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=_("Themes"),
        queryset=Theme.objects.for_display().order_by("position", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave every box empty to receive every theme."),
    )


class SubscribeForm(SafeForm):
    email = forms.EmailField(label=_("Email"), max_length=254)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    place = forms.CharField(
        label=_("City or region"),
        max_length=120,
        required=False,
        help_text=_("Choose from the Efus network's list as you type, or write another place."),
        widget=forms.TextInput(attrs={"list": "network-places", "autocomplete": "off"}),
    )
    language = forms.ChoiceField(label=_("Language of the digest"), choices=language_choices)
    themes = _themes_field()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["organisation"].widget.attrs["autocomplete"] = "organization"


class PreferencesForm(SafeModelForm):
    themes = _themes_field()

    class Meta:
        model = Subscriber
        fields = ["language", "frequency", "themes"]
        labels = {"language": _("Language of the digest"), "frequency": _("How often")}
        widgets = {"frequency": forms.RadioSelect}


class PreviewForm(SafeForm):
    email = forms.EmailField(label=_("Subscriber's email"), max_length=254)
