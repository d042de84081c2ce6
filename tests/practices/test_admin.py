"""The practices admin: Efus staff only, constant queries, moderation state read only."""

import pytest
from django.urls import reverse

from practices.models import Practice
from practices.services import attachment_add
from tests.files import pdf
from tests.practices.factories import AdoptionFactory, PracticeFactory
from tests.support import get_queries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url_name", ["admin:practices_practice_changelist", "admin:practices_adoption_changelist"]
)
def test_changelists_are_for_efus_staff_only(client, efus_staff, coordinator, url_name):
    client.force_login(coordinator)
    assert client.get(reverse(url_name)).status_code == 302
    client.force_login(efus_staff)
    assert client.get(reverse(url_name)).status_code == 200


QUERIES = [
    "the session",
    "the user with their membership, body and city, and whether they have a TOTP authenticator",
    "the themes of the theme filter",
    "the cities of the city filter",
    "the count of the filtered practices",
    "the count of every practice",
    "the user's own permissions (ModelBackend)",
    "their groups' permissions (ModelBackend)",
    "the page of practices, with their city",
    "the first and last publication dates (date hierarchy)",
    "the days with publications (date hierarchy)",
    "the countries of the country filter",
]


def test_practice_changelist_costs_the_same_queries_at_1_and_25_rows(client, efus_staff):
    client.force_login(efus_staff)
    url = reverse("admin:practices_practice_changelist")

    PracticeFactory()
    one = get_queries(client, url)
    PracticeFactory.create_batch(24)
    assert client.get(url).context["cl"].result_count == 25
    assert one == get_queries(client, url) == len(QUERIES)


def test_change_page_shows_inlines_and_keeps_status_read_only(client, efus_staff):
    practice = PracticeFactory(title="Barriers")
    attachment_add(practice=practice, by=efus_staff, upload=pdf("plan.pdf"))
    AdoptionFactory(practice=practice)
    client.force_login(efus_staff)
    response = client.get(reverse("admin:practices_practice_change", args=[practice.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "plan.pdf" in html and "We adapted it for the Christmas market." in html
    assert 'name="status"' not in html  # moderation goes through the review page
    assert reverse("moderation:review", args=["practices.practice", practice.pk]) in html
    assert "status" in response.context["adminform"].readonly_fields


def test_search_finds_by_title(client, efus_staff):
    PracticeFactory(title="Tourism police in Riga")
    PracticeFactory(title="Night patrols")
    client.force_login(efus_staff)
    response = client.get(reverse("admin:practices_practice_changelist"), {"q": "Riga"})
    assert [p.title for p in response.context["cl"].result_list] == ["Tourism police in Riga"]
    assert Practice.objects.count() == 2


def test_deleting_practices_in_the_admin_keeps_and_completes_their_audit_log(client, efus_staff):
    from moderation.models import ModerationEvent

    one, two = PracticeFactory(title="Barriers"), PracticeFactory(title="Mediators")
    client.force_login(efus_staff)
    response = client.post(
        reverse("admin:practices_practice_delete", args=[one.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("admin:practices_practice_changelist"),
        {"action": "delete_selected", "_selected_action": [two.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Practice.objects.exists()
    events = ModerationEvent.objects.order_by("pk")
    assert [(e.action, e.object_id, e.object_label, e.by) for e in events] == [
        ("delete", one.pk, "Barriers", efus_staff),
        ("delete", two.pk, "Mediators", efus_staff),
    ]
