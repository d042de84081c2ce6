"""The site's input rule for every form (pactesur/forms.py): control characters are refused with a
message naming them, a bound form never shows them back, and a date the browser would drop is
shown back as text."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.contrib import admin
from django.urls import reverse

from accounts.models import User
from moderation.models import ModerationEvent, Status
from pactesur.forms import SafeForm, SafeInputMixin
from practices.models import Practice
from tests.practices.factories import PracticeFactory

OUR_APPS = ("cities", "accounts", "moderation", "practices", "trainings", "exchanges", "digests")


class Sample(SafeForm):
    name = forms.CharField()
    notes = forms.CharField(widget=forms.Textarea, required=False)
    secret = forms.CharField(widget=forms.PasswordInput, required=False)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    count = forms.IntegerField(required=False)
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")])


def sample(**data: str) -> Sample:
    return Sample({"name": "Liège", "kind": "a", **data})


@pytest.mark.parametrize("character", ["\x0b", "\x01", "\x1f", "\x7f", "\x85", "\t", "\n", "\r"])
def test_a_one_line_field_refuses_every_control_character(character):
    form = sample(name=f"Li{character}ège")
    assert not form.is_valid()
    [error] = form.errors.as_data()["name"]
    assert error.code == "control_character"
    assert f"U+{ord(character):04X}" in error.messages[0]


@pytest.mark.parametrize("character", ["\x00", "\x0b", "\x0c", "\x1b", "\x7f", "\x9f"])
def test_long_text_refuses_control_characters(character):
    form = sample(notes=f"First line{character} second")
    assert not form.is_valid()
    assert "notes" in form.errors


def test_long_text_keeps_tabs_and_line_breaks_as_browsers_send_them():
    form = sample(notes="One\r\nTwo\tcolumns\nThree")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["notes"] == "One\r\nTwo\tcolumns\nThree"


def test_passwords_are_not_checked():
    assert sample(secret="pass\x0bword").is_valid()


def test_fields_added_in_init_are_checked_too():
    class Later(SafeForm):  # as allauth's sign-up form adds its fields
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["late"] = forms.CharField()

    form = Later({"late": "a\x0bb"})
    assert not form.is_valid() and form.errors.as_data()["late"][0].code == "control_character"


@pytest.mark.django_db
def test_a_refused_value_never_reaches_the_instance(member):
    from accounts.forms import ProfileForm

    form = ProfileForm({"full_name": "Ana\x1bBel", "gender": ""}, instance=member)
    assert not form.is_valid()
    assert "\x1b" not in member.full_name


def test_a_refused_value_is_shown_back_without_its_control_characters():
    form = sample(name="Li\x0bège", notes="a\x00b\r\nc\x1b")
    assert not form.is_valid()
    html = form.as_div()
    assert 'value="Liège"' in html
    assert "ab\r\nc</textarea>" in html
    for character in ("\x00", "\x0b", "\x1b"):
        assert character not in html


def test_nul_gets_one_message():
    form = sample(name="a\x00b")
    assert not form.is_valid()
    assert len(form.errors["name"]) == 1


def test_an_impossible_date_is_shown_back_as_text_with_its_error():
    form = sample(day="2026-02-30")
    assert not form.is_valid()
    html = str(form["day"])
    assert 'type="text"' in html and 'value="2026-02-30"' in html
    assert 'aria-invalid="true"' in html


@pytest.mark.parametrize("day", ["", "2026-02-28"])
def test_a_valid_or_empty_date_stays_a_date_input(day):
    form = sample(day=day, name="")  # the form has an error, elsewhere
    assert not form.is_valid()
    assert 'type="date"' in str(form["day"])


def test_a_date_input_of_a_form_with_another_error_stays_a_date_input():
    form = Sample({"name": "", "kind": "a", "day": "2026-02-28"})
    assert not form.is_valid()
    assert 'type="date"' in str(form["day"])


def test_a_non_number_is_shown_back_as_text():
    form = sample(count="twelve")
    assert not form.is_valid()
    assert 'type="text"' in str(form["count"]) and 'value="twelve"' in str(form["count"])


def test_a_required_select_without_an_empty_option_is_aria_required():
    html = str(Sample()["kind"])
    assert 'aria-required="true"' in html and " required" not in html


# --- Every form of the project ----------------------------------------------------------------


def _our_form_classes() -> list[type]:
    found: set[type] = set()
    for app in OUR_APPS:
        package = importlib.import_module(app)
        for module_info in pkgutil.walk_packages(package.__path__, f"{app}."):
            # Admin forms get the mixin from the admin site (see the test below).
            if {"admin", "migrations", "management"} & set(module_info.name.split(".")):
                continue
            module = importlib.import_module(module_info.name)
            for _, obj in inspect.getmembers(module, inspect.isclass):
                if issubclass(obj, forms.BaseForm) and obj.__module__.startswith(OUR_APPS):
                    found.add(obj)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def test_every_form_class_of_ours_follows_the_rule():
    classes = _our_form_classes()
    assert len(classes) >= 7, classes
    missing = [c.__qualname__ for c in classes if not issubclass(c, SafeInputMixin)]
    assert not missing, f"forms without pactesur.forms.SafeInputMixin: {missing}"


def test_every_filter_set_form_follows_the_rule():
    import django_filters

    filtersets = set()
    for app in OUR_APPS:
        try:
            module = importlib.import_module(f"{app}.filters")
        except ModuleNotFoundError:
            continue
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, django_filters.FilterSet) and obj.__module__ == module.__name__:
                filtersets.add(obj)
    assert len(filtersets) >= 3
    for filterset in filtersets:
        assert issubclass(filterset._meta.form, SafeInputMixin), filterset


def test_every_admin_form_follows_the_rule(rf):
    request = rf.get("/")
    for model, model_admin in admin.site._registry.items():
        assert issubclass(model_admin.form, SafeInputMixin), model
        if getattr(model_admin, "add_form", None) is not None:
            assert issubclass(model_admin.add_form, SafeInputMixin), model
        for inline in model_admin.inlines:
            assert issubclass(inline.form, SafeInputMixin), (model, inline)
        if model_admin.list_editable:
            assert issubclass(model_admin.get_changelist_form(request), SafeInputMixin), model


# --- Through the pages ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_control_character_in_a_practice_title_is_refused_and_nothing_is_saved(client, member):
    client.force_login(member)
    response = client.post(
        reverse("practices:create"),
        {
            "title": "Night\x0bmediators",
            "summary": "Mediators.",
            "outcome": "new",
            "evaluation_stage": "local",
            "original_language": "en",
            "visibility": "public",
        },
    )
    assert response.status_code == 200
    assert "U+000B" in response.content.decode()
    assert "\x0b" not in response.content.decode()
    assert not Practice.objects.exists()


@pytest.mark.django_db
def test_a_control_character_in_the_profile_is_refused(client, member):
    client.force_login(member)
    response = client.post(reverse("accounts:profile"), {"full_name": "Ana\x1bBel", "gender": ""})
    assert response.status_code == 200
    assert "U+001B" in response.content.decode()
    member.refresh_from_db()
    assert "\x1b" not in member.full_name


@pytest.mark.django_db
def test_a_control_character_in_a_sign_up_is_refused(client, nice_body):
    response = client.post(
        reverse("account_signup"),
        {
            "full_name": "Ana\x07Bel",
            "email": "ana@example.org",
            "body": nice_body.pk,
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
        },
    )
    assert response.status_code == 200
    assert "U+0007" in response.content.decode()
    assert not User.objects.filter(email="ana@example.org").exists()


@pytest.mark.django_db
def test_a_control_character_in_a_moderators_message_is_refused(client, efus_staff):
    practice = PracticeFactory(status=Status.SUBMITTED, published_at=None)
    client.force_login(efus_staff)
    url = reverse("moderation:request_changes", args=["practices.practice", practice.pk])
    response = client.post(url, {"message": "Please\x0c fix"})
    assert response.status_code == 400
    assert "U+000C" in response.content.decode()
    practice.refresh_from_db()
    assert practice.status == Status.SUBMITTED
    assert not ModerationEvent.objects.exists()


@pytest.mark.django_db
def test_a_control_character_in_an_admin_form_is_refused(client, efus_staff):
    from cities.models import Theme

    theme = Theme.objects.get(slug="major-events")
    client.force_login(efus_staff)
    url = reverse("admin:cities_theme_change", args=[theme.pk])
    response = client.post(url, {"name": "Major\x0bevents", "slug": theme.slug, "position": 1})
    assert response.status_code == 200
    assert "U+000B" in response.content.decode()
    theme.refresh_from_db()
    assert theme.name == "Major events"
