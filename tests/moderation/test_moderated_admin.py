"""The admin of every moderated type (practices, trainings, exchange offers) is one mechanism
(``moderation.admin.ModeratedAdmin``), tried here role by role: only staff with powers (Efus
staff with MFA, the operator) get in; they edit the content, never the moderation state; a
deletion goes through the moderation log."""

import pytest
from django.urls import reverse

from moderation.models import ModerationEvent, Status
from tests.exchanges.factories import OfferFactory
from tests.practices.factories import PracticeFactory
from tests.support import admin_form_data
from tests.trainings.factories import TrainingFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]

# label: (factory, a Markdown field shown on the item's page)
TYPES = {
    "practices.practice": (PracticeFactory, "summary"),
    "trainings.training": (TrainingFactory, "programme"),
    "exchanges.offer": (OfferFactory, "description"),
}
# Where each role ends up: the page, the site's login, or the dashboard (which says why not).
ROLES = {
    "anonymous": "login",
    "member": "dashboard",
    "coordinator": "dashboard",
    "efus_staff_without_mfa": "dashboard",
    "efus_staff": 200,
    "operator": 200,
}
POWERS = {role for role, outcome in ROLES.items() if outcome == 200}


def url(label, view, *args):
    return reverse(f"admin:{label.replace('.', '_')}_{view}", args=args)


def sign_in(client, request, role):
    client.logout()
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


def assert_outcome(client, response, role):
    """The page for staff with powers; for everyone else, the admin's login, which sends them to
    the site's login or, signed in, to the dashboard."""
    expected = ROLES[role]
    if expected == 200:
        assert response.status_code == 200
        return
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    then = client.get(response["Location"])
    target = reverse("account_login") if expected == "login" else reverse("accounts:dashboard")
    assert then.status_code == 302 and then["Location"].startswith(target), then["Location"]


@pytest.mark.parametrize("label", TYPES)
@pytest.mark.parametrize("role", ROLES)
def test_only_staff_with_powers_open_the_admin_of_a_moderated_type(label, role, client, request):
    item = TYPES[label][0]()
    sign_in(client, request, role)
    assert_outcome(client, client.get(url(label, "changelist")), role)
    response = client.get(url(label, "change", item.pk))
    assert_outcome(client, response, role)
    if role in POWERS:
        html = response.content.decode()
        assert reverse("moderation:review", args=[label, item.pk]) in html
        for field in ("status", "submitted_at", "published_at", "hidden_at", "review_by"):
            assert f'name="{field}"' not in html  # the moderation mechanism's alone
        # Adding goes through the site's forms and moderation, for everyone.
        assert client.get(url(label, "add")).status_code == 403


@pytest.mark.parametrize("label", TYPES)
@pytest.mark.parametrize("role", ROLES)
def test_staff_with_powers_edit_the_content_but_never_the_moderation_state(
    label, role, client, request, efus_staff
):
    factory, markdown = TYPES[label]
    item = factory(title="Old title")
    client.force_login(efus_staff)  # the form as the admin shows it
    data = admin_form_data(
        client.get(url(label, "change", item.pk)),
        title="New title",
        **{markdown: "Now with **bold** text."},
        status=Status.DRAFT,  # not a field of the form: ignored
        hidden_at="2025-01-01 00:00",
    )
    sign_in(client, request, role)
    response = client.post(url(label, "change", item.pk), data)
    item.refresh_from_db()
    if role in POWERS:
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert item.title == "New title"
        assert "<strong>bold</strong>" in item.stored_html(markdown)  # rendered again
    else:
        assert_outcome(client, response, role)
        assert item.title == "Old title"
    assert item.status == Status.PUBLISHED and item.hidden_at is None


@pytest.mark.parametrize("label", TYPES)
@pytest.mark.parametrize("role", ROLES)
def test_a_deletion_in_the_admin_goes_through_the_moderation_log(label, role, client, request):
    item = TYPES[label][0](title="To delete")
    model = type(item)
    sign_in(client, request, role)
    response = client.post(url(label, "delete", item.pk), {"post": "yes"})
    events = ModerationEvent.objects.filter(action="delete", object_id=item.pk)
    if role in POWERS:
        assert response.status_code == 302
        assert not model.objects.filter(pk=item.pk).exists()
        user = request.getfixturevalue(role)
        assert [(e.object_label, e.by, e.from_status) for e in events] == [
            ("To delete", user, Status.PUBLISHED)
        ]
    else:
        assert_outcome(client, response, role)
        assert model.objects.filter(pk=item.pk).exists() and not events.exists()
