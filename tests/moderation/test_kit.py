"""The moderation kit serves any registered model: a bulletin (``tests/bulletins``, a model, two
rules and a review template, nothing in ``moderation/``) goes through the whole flow, through the
same services, pages, queue, log and emails as practices."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cities.models import Theme
from moderation import registry
from moderation.models import ModerationEvent, Revision, Status, Visibility
from moderation.services import (
    moderated_create,
    moderated_update,
    moderation_publish,
    moderation_submit,
)
from moderation.versions import version_token
from tests.accounts.factories import make_member
from tests.bulletins.models import Bulletin

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Emails are sent once the transaction commits: run what commits would run."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


LABEL = "bulletins.bulletin"
Action = ModerationEvent.Action


def url(bulletin, name="review"):
    return reverse(f"moderation:{name}", args=[LABEL, bulletin.pk])


def decide(client, bulletin, name, message=""):
    """Take a decision from the review page, as a moderator's browser does."""
    page = client.get(url(bulletin))
    version = page.context["form"].initial["version"]
    return client.post(url(bulletin, name), {"message": message, "version": version})


def themes(*slugs):
    return list(Theme.objects.filter(slug__in=slugs).order_by("pk"))


def create(by, **data):
    return moderated_create(
        model=Bulletin,
        by=by,
        data={"title": "Carnival road closures", "text": "Streets closed", **data},
        city=by.city,
    )


def test_the_bulletin_is_registered_and_keeps_the_constraints_of_moderated():
    assert registry.get(LABEL) is Bulletin
    names = {c.name for c in Bulletin._meta.constraints}
    assert {"bulletin_status_valid", "bulletin_visibility_valid"} <= names


def test_the_system_check_passes_and_catches_a_model_that_lost_the_constraints():
    from django.core.management import call_command
    from django.db import models
    from django.test.utils import isolate_apps

    from moderation.checks import check_moderated_models
    from moderation.models import Moderated

    call_command("check")  # with the bulletin registered
    with isolate_apps("tests.bulletins"):

        class Lost(Moderated):
            MODERATED_FIELDS = ("title", "nothing")
            title = models.CharField(max_length=10)

            class Meta:  # its own Meta, without *Moderated.Meta.constraints
                app_label = "bulletins"

        registry.register(Lost)
        try:
            ids = sorted(error.id for error in check_moderated_models())
        finally:
            registry._models.pop("bulletins.lost")
    assert ids == ["moderation.E002", "moderation.E002", "moderation.E003"]


def test_the_database_refuses_a_status_or_tier_that_does_not_exist(member):
    from django.db import IntegrityError, transaction

    bulletin = create(member)
    for column, value in (("status", "lost"), ("visibility", "everyone")):
        with pytest.raises(IntegrityError), transaction.atomic():
            Bulletin.objects.filter(pk=bulletin.pk).update(**{column: value})


def test_a_bulletin_goes_through_the_whole_flow(
    client, member, coordinator, efus_staff, other_coordinator, mailoutbox, sent
):
    # A member drafts it and edits it in place (many-to-many included), then submits it: for
    # bulletins, unlike practices, the author's rule allows it.
    bulletin = create(member, themes=themes("major-events"), visibility=Visibility.PUBLIC)
    assert bulletin.status == Status.DRAFT and bulletin.created_by == member
    moderated_update(obj=bulletin, by=member, data={"text": "Streets closed from 6 pm"})
    bulletin.refresh_from_db()
    assert bulletin.text == "Streets closed from 6 pm"
    with pytest.raises(PermissionDenied):  # a coordinator of another city
        moderated_update(obj=bulletin, by=other_coordinator, data={"text": "Nope"})
    with pytest.raises(ValidationError):  # validated as the model validates
        moderated_update(obj=bulletin, by=member, data={"title": "x" * 101})
    with sent():
        moderation_submit(obj=bulletin, by=member)
    assert (
        Bulletin.objects.visible_to(AnonymousUser()).count() == 0
    )  # not before a moderator publishes
    assert [m.to for m in mailoutbox] == [[efus_staff.email]]  # the moderators are told

    # The queue, and the review page with the bulletin's own template.
    client.force_login(efus_staff)
    rows = client.get(reverse("moderation:queue")).context["rows"]
    assert [(r.label, r.obj.pk, r.kind) for r in rows] == [(LABEL, bulletin.pk, "new")]
    page = client.get(url(bulletin)).content.decode()
    assert 'class="bulletin-text">Streets closed from 6 pm' in page
    assert url(bulletin, "publish") in page and url(bulletin, "reject") in page

    # Published: readers see it, the author is told.
    mailoutbox.clear()
    with sent():
        assert decide(client, bulletin, "publish").status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.status == Status.PUBLISHED and bulletin.published_at is not None
    assert list(Bulletin.objects.visible_to(AnonymousUser())) == [bulletin]
    assert [m.to for m in mailoutbox] == [[member.email]]

    # The city's coordinator proposes an edit: readers keep the published text.
    moderated_update(
        obj=bulletin, by=coordinator,
        data={"title": "Carnival closures", "themes": themes("major-events", "safe-nightlife")},
    )  # fmt: skip
    bulletin.refresh_from_db()
    assert bulletin.title == "Carnival road closures"
    revision = Revision.objects.open_for(bulletin).get()
    rows = client.get(reverse("moderation:queue")).context["rows"]
    assert [(r.obj.pk, r.kind) for r in rows] == [(bulletin.pk, "edit")]
    changes = {c["name"] for c in client.get(url(bulletin)).context["changes"]}
    assert changes == {"title", "themes"}

    # Changes requested on the edit, the edit proposed again, then published: title and themes.
    assert decide(client, bulletin, "request_changes", "Shorter, please.").status_code == 302
    revision.refresh_from_db()
    assert revision.status == Revision.Status.CHANGES_REQUESTED
    two = themes("major-events", "safe-nightlife")
    moderated_update(obj=bulletin, by=coordinator, data={"title": "Closures", "themes": two})
    assert decide(client, bulletin, "publish").status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.title == "Closures"
    assert list(bulletin.themes.order_by("pk")) == two

    # A new edit, rejected: the published text stays.
    moderated_update(obj=bulletin, by=coordinator, data={"title": "Nothing closed"})
    assert decide(client, bulletin, "reject", "Not true.").status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.title == "Closures" and bulletin.status == Status.PUBLISHED
    assert Revision.objects.open_for(bulletin).count() == 0

    # Unpublished with a reason, then published again.
    assert decide(client, bulletin, "unpublish", "Outdated.").status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.status == Status.UNPUBLISHED
    assert Bulletin.objects.visible_to(AnonymousUser()).count() == 0
    assert decide(client, bulletin, "restore", "Dates confirmed.").status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.status == Status.PUBLISHED

    # The audit log has each step, and filters by the bulletin's type.
    log = client.get(reverse("moderation:log"), {"item": LABEL}).context["events"]
    assert [e.action for e in reversed(log)] == [
        Action.SUBMIT, Action.PUBLISH, Action.REVISE, Action.REQUEST_REVISION_CHANGES,
        Action.REVISE, Action.PUBLISH_REVISION, Action.REVISE, Action.REJECT_REVISION,
        Action.UNPUBLISH, Action.RESTORE,
    ]  # fmt: skip
    assert "Bulletin" in client.get(reverse("moderation:log")).content.decode()


def test_a_submitted_bulletin_rejected_goes_back_to_draft(client, member, efus_staff):
    bulletin = create(member)
    moderation_submit(obj=bulletin, by=member)
    client.force_login(efus_staff)
    assert decide(client, bulletin, "reject", "").status_code == 400  # a reason is required
    assert decide(client, bulletin, "reject", "Not for the network.").status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.status == Status.DRAFT
    assert bulletin.moderation_message == "Not for the network."


def test_the_bulletin_rules_come_from_the_kit_predicates(
    member, coordinator, other_coordinator, network_member, efus_staff
):
    from accounts.permissions import allowed

    bulletin = create(member)
    may = {
        user: (
            allowed("bulletins.change_bulletin", user, bulletin),
            allowed("bulletins.submit_bulletin", user, bulletin),
        )
        for user in (member, coordinator, other_coordinator, network_member, efus_staff)
    }
    assert may == {
        member: (True, True),  # the author, of the bulletin's city, while it is a draft
        coordinator: (True, True),  # the city's coordinator
        other_coordinator: (False, False),
        network_member: (False, False),
        efus_staff: (True, True),
    }
    moderation_submit(obj=bulletin, by=member)
    moderation_publish(obj=bulletin, by=efus_staff)
    bulletin.refresh_from_db()
    assert not allowed("bulletins.change_bulletin", member, bulletin)  # published: coordinator
    other_member = make_member(member.body)
    assert not allowed("bulletins.change_bulletin", other_member, bulletin)


def test_a_stale_decision_on_a_bulletin_is_refused(client, member, coordinator, efus_staff):
    bulletin = create(member)
    moderation_submit(obj=bulletin, by=member)
    moderation_publish(obj=bulletin, by=efus_staff)
    moderated_update(obj=bulletin, by=coordinator, data={"text": "First proposal"})
    bulletin.refresh_from_db()
    seen = version_token(bulletin, Revision.objects.open_for(bulletin).first())
    moderated_update(obj=bulletin, by=coordinator, data={"text": "Second proposal"})
    client.force_login(efus_staff)
    response = client.post(url(bulletin, "publish"), {"message": "", "version": seen})
    assert response.status_code == 409
    assert "In the proposed edit: text" in response.content.decode()
    bulletin.refresh_from_db()
    assert bulletin.text == "Streets closed"
