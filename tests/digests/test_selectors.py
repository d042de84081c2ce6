import datetime as dt

import pytest
from django.utils import timezone

from cities.models import Theme
from digests import sources
from digests.selectors import MAX_ITEMS, digest_items
from moderation.models import Status, Visibility
from tests.digests.factories import SubscriberFactory
from tests.practices.factories import PracticeFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
WEEK_AGO = NOW - dt.timedelta(days=7)


def _subscriber(**kwargs):
    return SubscriberFactory(last_digest_at=WEEK_AGO, **kwargs)


def _practice(title, *, days_ago=1, **kwargs):
    return PracticeFactory(title=title, published_at=NOW - dt.timedelta(days=days_ago), **kwargs)


def _titles(selection):
    return [item.title for item in selection.items]


def test_a_public_subscriber_gets_public_published_items_of_the_period_only():
    _practice("Public and new")
    _practice("Too old", days_ago=8)
    _practice("Network", visibility=Visibility.NETWORK)
    _practice("Police", visibility=Visibility.POLICE)
    for status in (Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED):
        _practice(f"Unpublished {status}", status=status)  # published once, then withdrawn
    selection = digest_items(_subscriber(), until=NOW)
    assert _titles(selection) == ["Public and new"]
    assert selection.items[0].summary  # a public item carries its summary


def test_a_police_member_gets_restricted_items_by_title_only(member):
    _practice("Network", visibility=Visibility.NETWORK, summary="Network secret text")
    _practice("Police", visibility=Visibility.POLICE, summary="Police secret text", days_ago=2)
    selection = digest_items(_subscriber(user=member, email=member.email), until=NOW)
    assert _titles(selection) == ["Network", "Police"]
    assert all(item.restricted and item.summary == "" for item in selection.items)


def test_a_member_outside_the_police_does_not_get_police_items(network_member):
    _practice("Network", visibility=Visibility.NETWORK)
    _practice("Police", visibility=Visibility.POLICE)
    subscriber = _subscriber(user=network_member, email=network_member.email)
    assert _titles(digest_items(subscriber, until=NOW)) == ["Network"]


def test_a_deactivated_member_gets_public_items_only(member):
    _practice("Public")
    _practice("Network", visibility=Visibility.NETWORK)
    member.is_active = False
    member.save(update_fields=["is_active"])
    subscriber = _subscriber(user=member, email=member.email)
    assert _titles(digest_items(subscriber, until=NOW)) == ["Public"]


def test_themes_filter_the_items_and_none_means_all():
    nightlife, events, other = Theme.objects.order_by("pk")[:3]
    _practice("Both themes", themes=[nightlife, events])
    _practice("Nightlife", themes=[nightlife], days_ago=2)
    _practice("Other", themes=[other], days_ago=3)
    subscriber = _subscriber()
    assert _titles(digest_items(subscriber, until=NOW)) == ["Both themes", "Nightlife", "Other"]
    subscriber.themes.set([nightlife, events])
    assert _titles(digest_items(subscriber, until=NOW)) == ["Both themes", "Nightlife"]


def test_the_subscribers_language_comes_first_then_english_then_the_rest():
    _practice("Italian, newest", original_language="it", days_ago=1)
    _practice("English", original_language="en", days_ago=2)
    _practice("French, oldest", original_language="fr", days_ago=3)
    selection = digest_items(_subscriber(language="fr"), until=NOW)
    assert _titles(selection) == ["French, oldest", "English", "Italian, newest"]


def test_a_paused_or_missed_period_is_caught_up():
    _practice("Three weeks ago", days_ago=20)
    subscriber = SubscriberFactory(last_digest_at=NOW - dt.timedelta(days=21))
    assert _titles(digest_items(subscriber, until=NOW)) == ["Three weeks ago"]


def test_the_digest_is_capped_and_says_how_many_matched():
    for n in range(MAX_ITEMS + 2):
        _practice(f"Practice {n}", days_ago=1)
    selection = digest_items(_subscriber(), until=NOW)
    assert len(selection.items) == MAX_ITEMS
    assert selection.total == MAX_ITEMS + 2


def test_a_registered_source_joins_the_digest(monkeypatch):
    def trainings(*, reader, since, until, theme_ids):
        return [
            sources.Item(
                source="trainings", pk=1, title="Academy in Turin", path="/trainings/1/",
                published_at=NOW - dt.timedelta(hours=1), language="fr",
                visibility=Visibility.PUBLIC, summary="Three days.",
            )
        ]  # fmt: skip

    monkeypatch.setattr(sources, "_sources", dict(sources._sources))
    sources.register("trainings", trainings)
    _practice("A practice", days_ago=2)
    selection = digest_items(_subscriber(language="en"), until=NOW)
    assert _titles(selection) == ["A practice", "Academy in Turin"]  # English first for "en"


@pytest.mark.parametrize("count", [1, 25])
def test_the_selection_queries_once_per_source(count, django_assert_num_queries):
    theme = Theme.objects.order_by("pk").first()
    for n in range(count):
        _practice(f"Practice {n}", themes=[theme])
    subscriber = _subscriber()
    subscriber.themes.set([theme])
    # 1. the subscriber's themes, 2. the practices (one source)
    with django_assert_num_queries(2):
        selection = digest_items(subscriber, until=NOW)
    assert len(selection.items) == count


def test_reach_admits_exactly_what_the_visibility_rule_lets_each_reader_read(
    member, coordinator, other_coordinator, efus_staff, efus_staff_without_mfa, outsider
):
    """``Reach.admits`` (a run's batch, in Python) agrees with ``visible_to`` (SQL) for every
    reader and every published item: tiers, cities, authors."""
    from django.contrib.auth.models import AnonymousUser

    from cities.models import City
    from moderation.models import reach_of
    from practices.models import Practice

    madrid = City.objects.get(slug="madrid")
    for tier in Visibility.values:
        for author in (None, efus_staff_without_mfa, coordinator):
            _practice(f"{tier} by {author}", visibility=tier, created_by=author)
            _practice(f"{tier} in Madrid", visibility=tier, created_by=author, city=madrid)
    readers = [
        AnonymousUser(),
        outsider,
        member,
        coordinator,
        other_coordinator,
        efus_staff,
        efus_staff_without_mfa,  # not police: public and network, plus what they wrote
    ]
    published = list(Practice.objects.published())
    seen = set()
    for reader in readers:
        reach = reach_of(reader)
        admitted = {
            p.pk
            for p in published
            if reach.admits(visibility=p.visibility, author_id=p.created_by_id, city_id=p.city_id)
        }
        expected = set(Practice.objects.visible_to(reader).published().values_list("pk", flat=True))
        assert admitted == expected, reader
        seen.add(frozenset(admitted))
    assert len(seen) >= 3  # public, network, every tier: the comparison is not trivially true
