"""The moderation admin: the audit log and revisions, read only, for Efus staff."""

import pytest
from django.urls import reverse

from moderation.models import ModerationEvent
from moderation.services import moderation_submit, revision_propose
from practices.services import practice_create
from tests.practices.factories import PracticeFactory
from tests.support import get_queries

pytestmark = pytest.mark.django_db


def _events(coordinator, n):
    for i in range(n):
        moderation_submit(
            obj=practice_create(by=coordinator, data={"title": f"P{i}", "summary": "S"}),
            by=coordinator,
        )


def test_event_log_is_read_only_and_filterable(client, efus_staff, coordinator):
    _events(coordinator, 2)
    client.force_login(efus_staff)
    url = reverse("admin:moderation_moderationevent_changelist")
    response = client.get(url, {"action__exact": "submit"})
    assert response.status_code == 200 and response.context["cl"].result_count == 2
    assert not response.context["has_add_permission"]
    event = ModerationEvent.objects.first()
    change = client.get(reverse("admin:moderation_moderationevent_change", args=[event.pk]))
    assert change.status_code == 200 and 'name="message"' not in change.content.decode()
    assert (
        client.post(
            reverse("admin:moderation_moderationevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert ModerationEvent.objects.filter(pk=event.pk).exists()


QUERIES = [
    "the session",
    "the user with their membership, body and city, and whether they have a TOTP authenticator",
    "the content types of the type filter",
    "the count of the filtered events",
    "the count of every event",
    "the user's own permissions (ModelBackend)",
    "their groups' permissions (ModelBackend)",
    "the page of events, with their author and content type",
    "the first and last dates (date hierarchy)",
    "the days with events (date hierarchy)",
]


def test_event_log_costs_the_same_queries_at_1_and_25_rows(client, efus_staff, coordinator):
    client.force_login(efus_staff)
    url = reverse("admin:moderation_moderationevent_changelist")

    _events(coordinator, 1)
    one = get_queries(client, url)
    _events(coordinator, 24)
    assert client.get(url).context["cl"].result_count == 25
    assert one == get_queries(client, url) == len(QUERIES)


def test_revisions_are_listed(client, efus_staff, coordinator):
    practice = PracticeFactory(created_by=coordinator)
    revision_propose(obj=practice, by=coordinator, data={"title": "New"})
    client.force_login(efus_staff)
    response = client.get(reverse("admin:moderation_revision_changelist"))
    assert response.status_code == 200 and response.context["cl"].result_count == 1
    assert (
        reverse("moderation:review", args=["practices.practice", practice.pk])
        in response.content.decode()
    )


def test_coordinators_cannot_open_the_log_admin(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("admin:moderation_moderationevent_changelist")).status_code == 302
