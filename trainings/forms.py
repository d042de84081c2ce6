"""Forms of trainings: the training itself, a session, seats per city, a material, registering
(oneself or a member of one's city), and a session's attendance."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cities.models import City, Theme
from pactesur.forms import SafeForm, SafeModelForm

from .filters import language_choices
from .models import Session, Training

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def in_zone(value: dt.datetime | None, zone: str) -> dt.datetime | None:
    """A datetime typed as a wall-clock time of ``zone`` (the form read it in the current
    time zone): the same wall-clock time, in ``zone``."""
    if value is None:
        return None
    naive = timezone.make_naive(value) if timezone.is_aware(value) else value
    return naive.replace(tzinfo=zoneinfo.ZoneInfo(zone))


class TrainingForm(SafeModelForm):
    """The training's moderated fields; dates are typed in the host's time zone."""

    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=language_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The languages the training is given in."),
    )
    online_link = forms.URLField(
        label=_("online link"),
        required=False,
        assume_scheme="https",
        help_text=_("Shown only to confirmed participants."),
    )

    class Meta:
        model = Training
        fields = [
            "title", "kind", "summary", "programme", "format", "themes", "languages",
            "interpretation", "venue_name", "venue_address", "online_link", "capacity",
            "registration_opens", "registration_deadline", "audience", "requires_approval",
            "time_zone", "visibility",
        ]  # fmt: skip
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "programme": forms.Textarea(attrs={"rows": 8}),
            "venue_address": forms.Textarea(attrs={"rows": 3}),
            "themes": forms.CheckboxSelectMultiple,
            "registration_opens": DATETIME_WIDGET,
            "registration_deadline": DATETIME_WIDGET,
            "visibility": forms.RadioSelect,
            "audience": forms.RadioSelect,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        self.fields["themes"].queryset = Theme.objects.for_display()  # type: ignore[attr-defined]
        instance = self.instance
        if instance.pk and not self.is_bound:
            self.initial["languages"] = instance.language_list
            zone = instance.tz
            for name in ("registration_opens", "registration_deadline"):
                value = getattr(instance, name)
                if value is not None:
                    self.initial[name] = timezone.localtime(value, zone).replace(tzinfo=None)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        zone = data.get("time_zone") or "Europe/Paris"
        for name in ("registration_opens", "registration_deadline"):
            if data.get(name):
                data[name] = in_zone(data[name], zone)
        return data

    def clean_languages(self) -> str:
        return " ".join(self.cleaned_data.get("languages") or [])

    def moderated_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in Training.MODERATED_FIELDS}


class SessionForm(SafeModelForm):
    """A session, typed in the host's time zone (``zone``)."""

    class Meta:
        model = Session
        fields = ["title", "starts_at", "ends_at"]
        widgets = {"starts_at": DATETIME_WIDGET, "ends_at": DATETIME_WIDGET}

    def __init__(self, *args: Any, zone: str = "Europe/Paris", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.label_suffix = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("starts_at", "ends_at"):
            if data.get(name):
                data[name] = in_zone(data[name], self.zone)
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("A session ends after it starts."))
        return data

    def _post_clean(self) -> None:
        pass  # the service validates and saves


class SeatsForm(SafeForm):
    """Seats per city: one number per PACTESUR city (empty or 0: no seats)."""

    def __init__(self, *args: Any, cities: list[City], current: dict[int, int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        self.cities = cities
        for city in cities:
            self.fields[f"city_{city.pk}"] = forms.IntegerField(
                label=city.name, min_value=0, max_value=1000, required=False,
                initial=current.get(city.pk) or None,
            )  # fmt: skip

    def seats(self) -> dict[int, int]:
        return {city.pk: self.cleaned_data.get(f"city_{city.pk}") or 0 for city in self.cities}


class MaterialForm(SafeForm):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File (PDF or image)"), required=False)
    url = forms.URLField(label=_("or a link"), required=False, assume_scheme="https")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_suffix = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("file")) == bool(data.get("url")):
            raise forms.ValidationError(_("Give a file or a link, not both."))
        return data


class RegistrationForm(SafeForm):
    note = forms.CharField(
        label=_("Note for the organisers (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RegisterMemberForm(SafeForm):
    """A coordinator registers a member of their city."""

    member = forms.ModelChoiceField(label=_("Member"), queryset=User.objects.none())
    note = RegistrationForm.base_fields["note"]

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        field = self.fields["member"]
        field.queryset = members  # type: ignore[attr-defined]
        field.label_from_instance = lambda u: f"{u.full_name or u.email} ({u.email})"  # type: ignore[attr-defined]
