"""Forms of the accounts app: validation and cleaning only (the writes are in services.py)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cities.models import Body, Theme
from pactesur.forms import SafeForm, SafeModelForm

from .models import User


class BodyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Body) -> str:
        return f"{obj.city.name} - {obj.official_name}"


def body_field() -> BodyChoiceField:
    return BodyChoiceField(
        queryset=Body.objects.select_related("city").order_by("city__name", "official_name"),
        label=_("Your city and organisation"),
        empty_label=_("Choose your organisation"),
        help_text=_(
            "Your city's coordinator approves your membership. "
            "Police material is shown only to members of police bodies."
        ),
    )


class SignupForm(SafeForm):
    """Extra fields on allauth's sign-up form (``ACCOUNT_SIGNUP_FORM_CLASS``)."""

    field_order = ["full_name", "email", "position", "body", "password1", "password2"]

    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    position = forms.CharField(
        label=_("Position"),
        max_length=150,
        required=False,
        help_text=_("Optional. E.g. Sergeant, international liaison."),
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    body = forms.ModelChoiceField(queryset=Body.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"] = body_field()

    def signup(self, request: Any, user: User) -> None:
        from . import services

        user.full_name = self.cleaned_data["full_name"]
        user.position = self.cleaned_data.get("position", "")
        user.save(update_fields=["full_name", "position"])
        services.membership_request(user=user, body=self.cleaned_data["body"])


class JoinForm(SafeForm):
    """For a signed-in person without an organisation (e.g. after removal)."""

    body = forms.ModelChoiceField(queryset=Body.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"] = body_field()


LANGUAGE_CHOICES = [
    ("bg", "български"),
    ("ca", "català"),
    ("cs", "čeština"),
    ("da", "dansk"),
    ("de", "Deutsch"),
    ("el", "ελληνικά"),
    ("en", "English"),
    ("es", "español"),
    ("et", "eesti"),
    ("fi", "suomi"),
    ("fr", "français"),
    ("hr", "hrvatski"),
    ("hu", "magyar"),
    ("it", "italiano"),
    ("lt", "lietuvių"),
    ("lv", "latviešu"),
    ("mt", "Malti"),
    ("nl", "Nederlands"),
    ("pl", "polski"),
    ("pt", "português"),
    ("ro", "română"),
    ("sk", "slovenčina"),
    ("sl", "slovenščina"),
    ("sv", "svenska"),
]


class ThemeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Theme) -> str:
        return obj.localized_name


class ProfileForm(SafeModelForm):
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Used to match you with trainings and exchanges in a language you speak."),
    )
    interests = ThemeChoiceField(
        label=_("Themes you work on"),
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Used to suggest exchanges on these themes."),
    )
    gender = forms.ChoiceField(
        label=_("Gender (optional)"),
        choices=[("", _("Not answered")), *User.Gender.choices],
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "Optional. Only used, anonymously, to count participation by gender: "
            "gender inclusivity is one of the project's aims."
        ),
    )

    class Meta:
        model = User
        fields = ["full_name", "position", "language", "languages", "interests", "gender"]
        labels = {
            "full_name": _("Full name"),
            "position": _("Position"),
            "language": _("Language of your emails"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["interests"].queryset = Theme.objects.for_display().order_by(  # type: ignore[attr-defined]
            "position", "name"
        )


class DeleteAccountForm(SafeForm):
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("That is not your password. Type it again to confirm."), code="wrong"
            )
        return password
