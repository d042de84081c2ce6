"""Reference data in both languages (``cities.models.Translated``): themes, city descriptions and
body names show in French on French pages, everywhere (filters, cards, badges, the practice form,
city pages, the review page), from the data Efus staff edit; the French of the reference data
ships in ``data/reference.toml`` and is filled in without overwriting edits."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import Membership
from cities.models import Body, City, Theme
from cities.reference import fill_translations, read_reference
from tests.accounts.factories import make_member
from tests.cities.factories import BodyFactory, ThemeFactory, reference_body
from tests.practices.factories import PracticeFactory

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def text(response) -> str:
    assert response.status_code == 200
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


# --- The model: one mechanism -----------------------------------------------------------------


def test_a_theme_shows_its_name_and_description_in_the_active_language():
    theme = ThemeFactory(
        name="Night markets",
        name_fr="Marchés de nuit",
        description="Stalls.",
        description_fr="Étals.",
    )
    with translation.override("fr"):
        assert (theme.localized_name, str(theme)) == ("Marchés de nuit", "Marchés de nuit")
        assert theme.localized_description == "Étals."
    with translation.override("en"):
        assert (theme.localized_name, str(theme)) == ("Night markets", "Night markets")
        assert theme.localized_description == "Stalls."
    with translation.override("fr-ca"):
        assert theme.localized_name == "Marchés de nuit"


def test_without_a_french_text_the_english_is_shown():
    theme = ThemeFactory(name="Night markets", description="Stalls.")
    city = City.objects.get(slug="nice")
    city.description, city.description_fr = "A city.", ""
    with translation.override("fr"):
        assert theme.localized_name == "Night markets"
        assert theme.localized_description == "Stalls."
        assert city.localized_description == "A city."


def test_a_body_is_named_in_the_active_language_else_in_english_else_officially():
    body = BodyFactory(official_name="Policía Local", english_name="Local Police", name_fr="")
    with translation.override("fr"):
        assert body.localized_name == "Local Police"
        body.name_fr = "Police locale"
        assert body.localized_name == "Police locale"
        body.english_name = body.name_fr = ""
        assert body.localized_name == "Policía Local"
    with translation.override("en"):
        body.english_name, body.name_fr = "Local Police", "Police locale"
        assert body.localized_name == "Local Police"
    assert str(body) == "Policía Local"  # the official name, as before, in forms and emails


# --- The reference data ------------------------------------------------------------------------


def test_every_reference_theme_and_body_ships_a_french_name():
    data = read_reference()
    for row in data["themes"]:
        assert row["name_fr"] and row["description_fr"], row["slug"]
        assert row["name_fr"] != row["name"], row["slug"]
    for row in data["cities"]:
        assert row["body"]["name_fr"], row["slug"]


def test_the_migrations_filled_in_the_french_of_the_reference_data():
    data = read_reference()
    for row in data["themes"]:
        theme = Theme.objects.get(slug=row["slug"])
        assert (theme.name_fr, theme.description_fr) == (row["name_fr"], row["description_fr"])
    for row in data["cities"]:
        body = Body.objects.get(city__slug=row["slug"], official_name=row["body"]["official_name"])
        assert body.name_fr == row["body"]["name_fr"]


def test_filling_in_the_translations_never_overwrites_an_edit():
    edited = Theme.objects.get(slug="major-events")
    edited.name_fr = "Grands rassemblements"
    edited.save()
    emptied = Theme.objects.get(slug="safe-nightlife")
    emptied.name_fr = emptied.description_fr = ""
    emptied.save()
    body = reference_body("madrid")
    body.name_fr = ""
    body.save()
    staff_theme = ThemeFactory(slug="staff-made", name="Staff made")

    assert fill_translations() == 2  # the emptied theme and body; nothing else changes
    edited.refresh_from_db()
    emptied.refresh_from_db()
    body.refresh_from_db()
    staff_theme.refresh_from_db()
    assert edited.name_fr == "Grands rassemblements"
    assert emptied.name_fr == "Sécurité de la vie nocturne" and emptied.description_fr
    assert body.name_fr == "Police municipale de Madrid"
    assert staff_theme.name_fr == ""
    assert fill_translations() == 0


def test_filling_in_skips_a_french_name_staff_gave_to_another_theme():
    major = Theme.objects.get(slug="major-events")
    major.name_fr = major.description_fr = ""
    major.save()
    ThemeFactory(slug="staff-made", name="Staff made", name_fr="Grands événements")
    fill_translations()  # no IntegrityError: French names are unique
    major.refresh_from_db()
    assert major.name_fr == ""
    assert major.description_fr.startswith("Sécuriser les carnavals")


# --- The pages ---------------------------------------------------------------------------------


def _practice():
    themes = Theme.objects.filter(slug__in=["major-events", "safe-nightlife"])
    return PracticeFactory(title="Carnival corridors", themes=list(themes))


def test_practice_list_filters_and_cards_show_theme_names_in_french(client):
    practice = _practice()
    english = text(client.get(reverse("practices:list"), **ENGLISH))  # cached per language
    assert "Major events" in english and "Grands événements" not in english
    french = text(client.get(reverse("practices:list"), **FRENCH))
    assert "Major events" not in french and "Safe nightlife" not in french
    assert french.count("Grands événements") >= 2  # the filter and the card's badge
    assert "Sécurité de la vie nocturne" in french
    assert "Coopération avec le secteur privé" in french  # every theme of the filter
    partial = text(
        client.get(
            reverse("practices:list"), {"theme": "major-events"}, HTTP_HX_REQUEST="true", **FRENCH
        )
    )
    assert "Grands événements" in partial and practice.title in partial


def test_practice_page_shows_themes_and_body_in_french(client):
    practice = _practice()
    french = text(client.get(practice.get_absolute_url(), **FRENCH))
    assert "Grands événements" in french and "Major events" not in french
    assert "Nice Municipal Police" not in french  # the English name of Nice's body
    english = text(client.get(practice.get_absolute_url(), **ENGLISH))
    assert "Major events" in english and "Nice Municipal Police" in english


def test_practice_form_offers_the_themes_in_french(client):
    client.force_login(make_member(reference_body("nice")))
    french = text(client.get(reverse("practices:create"), **FRENCH))
    assert "Grands événements" in french and "Major events" not in french
    assert "Recrutement, fidélisation et mixité dans les polices locales" in french


def test_city_page_shows_challenges_description_and_bodies_in_french(client):
    city = City.objects.get(slug="madrid")
    city.description, city.description_fr = "Spain's capital.", "La capitale de l'Espagne."
    city.save()
    french = text(client.get(city.get_absolute_url(), **FRENCH))
    assert "La capitale de l'Espagne." in french and "Spain's capital." not in french
    assert "Grands événements" in french and "Major events" not in french
    assert "Police municipale de Madrid" in french  # its French name, besides the official one
    english = text(client.get(city.get_absolute_url(), **ENGLISH))
    assert "Spain's capital." in english and "Major events" in english


def test_home_and_directory_name_the_bodies_in_french(client):
    for name in ("cities:home", "cities:list"):
        french = text(client.get(reverse(name), **FRENCH))
        assert "Police municipale de Madrid" in french, name
        assert "Madrid Municipal Police" not in french, name
        english = text(client.get(reverse(name), **ENGLISH))
        assert "Madrid Municipal Police" in english, name


def test_review_page_shows_theme_names_in_french(client):
    practice = _practice()
    client.force_login(make_member(reference_body("paris"), mfa=True))
    url = reverse("moderation:review", args=["practices.practice", practice.pk])
    french = text(client.get(url, **FRENCH))
    assert "Grands événements" in french and "Major events" not in french


def test_a_theme_renamed_in_the_admin_shows_at_once_in_both_languages(client):
    _practice()
    client.get(reverse("practices:list"), **FRENCH)  # cached
    theme = Theme.objects.get(slug="major-events")
    theme.name_fr = "Événements majeurs"
    theme.save()
    french = text(client.get(reverse("practices:list"), **FRENCH))
    assert "Événements majeurs" in french and "Grands événements" not in french


def test_members_page_names_bodies_officially_as_before(client):
    """The members page names bodies officially, as before (str(body))."""
    coordinator = make_member(reference_body("madrid"), role=Membership.Role.COORDINATOR)
    client.force_login(coordinator)
    french = text(client.get(reverse("accounts:members"), **FRENCH))
    assert "Policía Municipal de Madrid" in french
