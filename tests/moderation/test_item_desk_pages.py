"""The moderation kit's item desk (``moderation/includes/item_desk.html``) on the pages of the
other moderated types than practices: a training's and an exchange offer's. Members report them
from their page; a personal-data report hides them from every reader's list at once, while their
city's coordinator still opens them and reads their history; visitors get no report form."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse

from moderation.models import Moderated, ModerationEvent, Report
from tests.accounts.factories import make_member
from tests.cities.factories import reference_body
from tests.exchanges.factories import OfferFactory
from tests.trainings.factories import TrainingFactory

pytestmark = pytest.mark.django_db


@dataclass
class Kind:
    label: str  # the moderated type's label, as in the report URL
    make: Callable[[], Moderated]  # a published, public item with the title "Shown item"
    list_url: str
    coordinator: str  # the fixture of its city's coordinator
    city: str  # its city's slug


KINDS = {
    "training": Kind(
        "trainings.training",
        lambda: TrainingFactory(title="Shown item"),
        "trainings:list",
        "coordinator",
        "nice",
    ),
    "offer": Kind(
        "exchanges.offer",
        lambda: OfferFactory(title="Shown item", visibility="public"),
        "exchanges:offer_list",
        "other_coordinator",
        "madrid",
    ),
}


@pytest.fixture(params=list(KINDS))
def kind(request) -> Kind:
    return KINDS[request.param]


def report_url(kind: Kind, obj: Moderated) -> str:
    return reverse("moderation:report", args=[kind.label, obj.pk])


def test_a_visitor_sees_no_report_form(client, kind):
    obj = kind.make()
    page = client.get(obj.get_absolute_url()).content.decode()
    assert "Shown item" in page
    assert "Report this item" not in page and report_url(kind, obj) not in page
    assert "History" not in page


def test_a_member_reports_it_and_it_leaves_the_readers_lists(client, request, kind, member):
    obj = kind.make()
    other_member = make_member(reference_body("brussels"))
    list_url = reverse(kind.list_url)
    # The lists are rendered (and kept) while the item is shown...
    assert "Shown item" in client.get(list_url).content.decode()
    client.force_login(other_member)
    assert "Shown item" in client.get(list_url).content.decode()

    client.force_login(member)
    page = client.get(obj.get_absolute_url()).content.decode()
    assert "Report this item" in page and report_url(kind, obj) in page
    response = client.post(report_url(kind, obj), {"reason": Report.Reason.PERSONAL_DATA})
    assert response.status_code == 302 and response["Location"] == obj.get_absolute_url()
    obj.refresh_from_db()
    assert obj.hidden_at is not None
    assert Report.objects.get().by == member

    # ...then a visitor and another member see it neither listed nor on its page.
    client.logout()
    assert "Shown item" not in client.get(list_url).content.decode()
    assert client.get(obj.get_absolute_url()).status_code == 404
    client.force_login(other_member)
    assert "Shown item" not in client.get(list_url).content.decode()
    assert client.get(obj.get_absolute_url()).status_code == 404

    # Its city's coordinator still opens it, told why readers do not see it, with its history.
    client.force_login(request.getfixturevalue(kind.coordinator))
    response = client.get(obj.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "hidden from readers" in page
    assert "History" in page and "after members' reports" in page


def test_its_coordinator_sees_its_history_and_keeps_it_current(client, request, kind):
    obj = kind.make()
    coordinator = request.getfixturevalue(kind.coordinator)
    ModerationEvent.objects.create(
        content_object=obj, object_label=str(obj), action=ModerationEvent.Action.PUBLISH,
        by=coordinator, from_status="submitted", to_status="published",
        message="Checked with the host",
    )  # fmt: skip
    client.force_login(coordinator)
    page = client.get(obj.get_absolute_url()).content.decode()
    assert 'id="item-history-title"' in page and "Checked with the host" in page
    assert reverse("moderation:mark_current", args=[kind.label, obj.pk]) in page
