"""The moderators' desk: the queue's tabs and filters, the waiting count in staff's navigation,
the log's filters and CSV export, the log's immutability, an item's history on its page."""

import datetime as dt
import re
from urllib.parse import parse_qsl

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import moderation.views
from moderation.models import ImmutableLog, ModerationEvent, Report, Status
from moderation.queue import DECIDED_PER_PAGE, compute_waiting_count
from moderation.services import moderation_publish, moderation_submit, revision_propose
from practices.models import Practice
from practices.services import practice_create
from tests.accounts.factories import make_member
from tests.bulletins.models import Bulletin
from tests.cities.factories import reference_body
from tests.practices.factories import PracticeFactory

pytestmark = pytest.mark.django_db
LABEL = "practices.practice"
QUEUE = reverse("moderation:queue")
LOG = reverse("moderation:log")


def submitted(by, title):
    practice = practice_create(by=by, data={"title": title, "summary": "S"})
    moderation_submit(obj=practice, by=by)
    return practice


def tab(client, name, **filters):
    response = client.get(QUEUE, {"tab": name, **filters})
    assert response.status_code == 200
    return response.context["rows"]


# --- Tabs and filters ---------------------------------------------------------------------------


def test_each_tab_holds_what_it_says_oldest_first(client, efus_staff, coordinator, member):
    with time_machine.travel(dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        new = submitted(coordinator, "Beach patrols")
    with time_machine.travel(dt.datetime(2025, 2, 1, 9, tzinfo=dt.UTC), tick=False):
        edited = PracticeFactory(title="Carnival officers")
        revision_propose(obj=edited, by=coordinator, data={"title": "Carnival exchanges"})
    reported = PracticeFactory(title="Night buses")
    Report.objects.create(content_type=ContentType.objects.get_for_model(Practice),
                          object_id=reported.pk, reason="outdated", by=member)  # fmt: skip
    overdue = PracticeFactory(title="Old leaflets", review_by=dt.date(2020, 1, 1))
    PracticeFactory(title="Fresh", review_by=dt.date.today() + dt.timedelta(days=30))
    client.force_login(efus_staff)

    waiting = tab(client, "waiting")
    assert [(r.obj.pk, r.kind) for r in waiting] == [(edited.pk, "edit"), (new.pk, "new")]
    assert [r.since.date() for r in waiting] == [dt.date(2025, 2, 1), dt.date(2025, 3, 1)]
    assert [(r.obj.pk, r.report_count, r.reasons) for r in tab(client, "reported")] == [
        (reported.pk, 1, ["Outdated"])
    ]
    assert [(r.obj.pk, r.since) for r in tab(client, "overdue")] == [
        (overdue.pk, dt.date(2020, 1, 1))
    ]
    moderation_publish(obj=new, by=efus_staff)
    decided = tab(client, "decided")
    assert [(r.event.object_id, r.kind, r.author) for r in decided] == [
        (new.pk, "publish", efus_staff)
    ]
    html = client.get(QUEUE, {"tab": "reported"}).content.decode()
    assert "1 report" in html and "Night buses" in html and 'aria-current="page"' in html


def test_filters_by_type_city_and_age(client, efus_staff, coordinator, other_coordinator):
    with time_machine.travel(dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC), tick=False):
        old_madrid = submitted(other_coordinator, "Old Madrid")
    nice = submitted(coordinator, "New Nice")
    bulletin = Bulletin.objects.create(
        title="Road closures", city=coordinator.city, status=Status.SUBMITTED,
        submitted_at=dt.datetime(2025, 2, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    client.force_login(efus_staff)
    assert {r.obj for r in tab(client, "waiting")} == {old_madrid, nice, bulletin}
    assert [r.obj for r in tab(client, "waiting", type="bulletins.bulletin")] == [bulletin]
    assert [r.obj for r in tab(client, "waiting", city="madrid")] == [old_madrid]
    assert [r.obj for r in tab(client, "waiting", age="7")] == [old_madrid, bulletin]
    assert [r.obj for r in tab(client, "waiting", type=LABEL, age="30")] == [old_madrid]
    # The type filter offers every registered model.
    choices = dict(client.get(QUEUE).context["form"].fields["type"].choices)
    assert {LABEL, "bulletins.bulletin"} <= set(choices)


def test_an_unknown_tab_or_filter_shows_the_waiting_tab_unfiltered(client, efus_staff, coordinator):
    practice = submitted(coordinator, "Beach patrols")
    client.force_login(efus_staff)
    response = client.get(QUEUE, {"tab": "nope", "type": "nothing.here"})
    assert response.status_code == 200 and response.context["tab"] == "waiting"
    assert [r.obj for r in response.context["rows"]] == [practice]


MODERATOR = 2  # the session; the user with their membership and MFA (one query)
TAB_QUERIES = {
    # one query per registered model (practices, trainings, exchange offers, bulletins), the
    # cities of the filter form
    "reported": MODERATOR + 1 + 4 + 1,  # + the open reports
    "overdue": MODERATOR + 4 + 1,
    # the decisions' count (the pages), one page of events with their author and content type
    "decided": MODERATOR + 1 + 2,
}


@pytest.mark.parametrize("name", sorted(TAB_QUERIES))
def test_every_tab_costs_the_same_queries_at_1_25_and_100_rows(client, efus_staff, member, name):
    client.force_login(efus_staff)
    client.get(QUEUE)  # warm up: the content types
    practices = ContentType.objects.get_for_model(Practice)

    def count(rows):
        Practice.objects.all().delete()
        ModerationEvent._base_manager.all().delete()  # the log refuses it (immutable)
        for i in range(rows):
            practice = PracticeFactory(title=f"P{i}", review_by=dt.date(2020, 1, 1))
            Report.objects.create(content_type=practices, object_id=practice.pk,
                                  reason="other", by=member)  # fmt: skip
            ModerationEvent.objects.create(
                content_type=practices, object_id=practice.pk, object_label=f"P{i}",
                action="publish", by=efus_staff,
            )  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            rows_shown = tab(client, name)
        # Decided shows a page of them (DECIDED_PER_PAGE).
        assert len(rows_shown) == (min(rows, DECIDED_PER_PAGE) if name == "decided" else rows)
        return len(queries)

    assert count(1) == count(25) == count(100) == TAB_QUERIES[name] <= 10


def decisions(by, count):
    """``count`` decisions on practices P0, P1... one hour apart, the last one newest."""
    practices = ContentType.objects.get_for_model(Practice)
    start = dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC)
    for i in range(count):
        ModerationEvent.objects.create(
            content_type=practices, object_id=i + 1, object_label=f"P{i}", action="publish",
            by=by, at=start + dt.timedelta(hours=i),
        )  # fmt: skip


def test_the_decided_tab_is_paged_with_links_that_work_without_javascript(
    client, efus_staff, monkeypatch
):
    monkeypatch.setattr(moderation.views, "DECIDED_PER_PAGE", 2)
    decisions(efus_staff, 5)
    client.force_login(efus_staff)

    first = client.get(QUEUE, {"tab": "decided", "type": LABEL})
    assert [r.event.object_label for r in first.context["rows"]] == ["P4", "P3"]
    html = first.content.decode()
    assert "5 rows" in html and "Page 1 of 3" in html
    # A plain link (no script needed) to the next page, keeping the tab and the filters.
    href = re.search(r'<a href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    assert dict(parse_qsl(href.lstrip("?"))) == {"tab": "decided", "type": LABEL, "page": "2"}
    second = client.get(QUEUE + href)
    assert [r.event.object_label for r in second.context["rows"]] == ["P2", "P1"]
    last = client.get(QUEUE, {"tab": "decided", "type": LABEL, "page": "3"})
    assert [r.event.object_label for r in last.context["rows"]] == ["P0"]
    assert 'rel="next"' not in last.content.decode()
    # Out of range or not a number: the nearest page, never an error.
    for number, first_label in (("99", "P0"), ("x", "P4")):
        rows = client.get(QUEUE, {"tab": "decided", "page": number}).context["rows"]
        assert rows[0].event.object_label == first_label
    # The tabs' links start each tab at its first page, with the filters.
    waiting = re.search(r'href="(\?tab=waiting[^"]*)"', second.content.decode()).group(1)
    assert "page=" not in waiting and "type=" in waiting


def test_the_decided_tab_filters_by_age_in_the_database_so_pages_stay_full(
    client, efus_staff, monkeypatch
):
    monkeypatch.setattr(moderation.views, "DECIDED_PER_PAGE", 2)
    decisions(efus_staff, 3)  # 1 March 2025, 09:00 to 11:00 UTC
    with time_machine.travel(dt.datetime(2025, 3, 20, 12, tzinfo=dt.UTC), tick=False):
        recent = PracticeFactory(title="Recent")
        ModerationEvent.objects.create(
            content_type=ContentType.objects.get_for_model(Practice), object_id=recent.pk,
            object_label="Recent", action="publish", by=efus_staff,
        )  # fmt: skip
        client.force_login(efus_staff)
        page = client.get(QUEUE, {"tab": "decided", "age": "7"})
        assert [r.event.object_label for r in page.context["rows"]] == ["P2", "P1"]
        assert page.context["row_count"] == 3
        everything = client.get(QUEUE, {"tab": "decided"})
        assert [r.event.object_label for r in everything.context["rows"]] == ["Recent", "P2"]


# --- The waiting count in the navigation ---------------------------------------------------------


def test_staff_see_the_waiting_count_and_it_follows_the_queue(
    client, efus_staff, coordinator, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        practice = submitted(coordinator, "Beach patrols")
    with django_capture_on_commit_callbacks(execute=True):
        edited = PracticeFactory()
        revision_propose(obj=edited, by=coordinator, data={"title": "Edited"})
    client.force_login(efus_staff)
    assert "2 waiting" in client.get(reverse("cities:home")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        moderation_publish(obj=practice, by=efus_staff)
    assert "1 waiting" in client.get(reverse("cities:home")).content.decode()
    client.force_login(member)
    assert "waiting" not in client.get(reverse("cities:home")).content.decode()


def test_the_waiting_count_counts_each_item_once_in_one_query(coordinator, member):
    practice = submitted(coordinator, "Beach patrols")
    Report.objects.create(content_type=ContentType.objects.get_for_model(Practice),
                          object_id=practice.pk, reason="other", by=member)  # fmt: skip
    edited = PracticeFactory()
    revision_propose(obj=edited, by=coordinator, data={"title": "Edited"})
    Bulletin.objects.create(title="B", city=coordinator.city, status=Status.SUBMITTED)
    with CaptureQueriesContext(connection) as queries:
        assert compute_waiting_count() == 3
    assert len(queries) == 1


# --- The log: filters, export, immutability ------------------------------------------------------


@pytest.fixture
def logged(coordinator, other_coordinator, efus_staff):
    with time_machine.travel(dt.datetime(2025, 1, 10, 9, tzinfo=dt.UTC), tick=False):
        nice = submitted(coordinator, "=Nice formula")
    with time_machine.travel(dt.datetime(2025, 2, 10, 9, tzinfo=dt.UTC), tick=False):
        madrid = submitted(other_coordinator, "Madrid patrols")
        moderation_publish(obj=madrid, by=efus_staff, message="Fine")
    return nice, madrid


def test_staff_filter_the_log_by_city_moderator_action_and_date(client, efus_staff, logged):
    nice, madrid = logged
    client.force_login(efus_staff)

    def events(**filters):
        return [(e.object_id, e.action) for e in client.get(LOG, filters).context["events"]]

    assert events(city="nice") == [(nice.pk, "submit")]
    assert events(city="madrid") == [(madrid.pk, "publish"), (madrid.pk, "submit")]
    assert events(by=efus_staff.pk) == [(madrid.pk, "publish")]
    assert events(action="submit", after="2025-02-01") == [(madrid.pk, "submit")]
    assert events(before="2025-01-31") == [(nice.pk, "submit")]
    assert events(item="bulletins.bulletin") == []


def test_staff_export_the_filtered_log_as_csv(client, efus_staff, logged):
    nice, _ = logged
    client.force_login(efus_staff)
    response = client.get(reverse("moderation:log_csv"), {"city": "nice"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "at,item_type,item_id,item,action,from,to,by,message"
    assert len(lines) == 2
    assert f"practices.practice,{nice.pk},'=Nice formula,submit,draft,submitted" in lines[1]
    excel = client.get(reverse("moderation:log_csv"), {"excel": "1"})
    assert b"".join(excel.streaming_content).decode().startswith("\ufeffat,")
    assert client.head(reverse("moderation:log_csv")).status_code == 200


def test_a_log_row_cannot_be_changed_or_deleted(logged):
    event = ModerationEvent.objects.first()
    event.message = "Rewritten"
    with pytest.raises(ImmutableLog):
        event.save()
    with pytest.raises(ImmutableLog):
        event.delete()
    with pytest.raises(ImmutableLog):
        ModerationEvent.objects.filter(pk=event.pk).update(message="Rewritten")
    with pytest.raises(ImmutableLog):
        ModerationEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.message != "Rewritten" and ModerationEvent.objects.count() == 3


def test_the_admin_shows_the_log_read_only_without_delete(client, operator, logged):
    event = ModerationEvent.objects.first()
    client.force_login(operator)
    change = reverse("admin:moderation_moderationevent_change", args=[event.pk])
    page = client.get(change)
    assert page.status_code == 200 and 'name="message"' not in page.content.decode()
    client.post(change, {"message": "Rewritten", "action": "publish"})
    delete = reverse("admin:moderation_moderationevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:moderation_moderationevent_changelist")
    client.post(changelist, {"action": "delete_selected", "_selected_action": [event.pk],
                             "post": "yes"})  # fmt: skip
    event.refresh_from_db()
    assert event.message != "Rewritten" and ModerationEvent.objects.count() == 3


def test_deleting_an_account_keeps_its_events_without_the_author(coordinator, logged):
    coordinator.delete()
    assert ModerationEvent.objects.filter(by=None).count() == 1


# --- An item's history on its page --------------------------------------------------------------


@pytest.mark.parametrize(
    "role,sees",
    [("coordinator", True), ("efus_staff", True), ("member", False), ("other_coordinator", False)],
)
def test_an_items_page_shows_its_history_to_authors_coordinators_and_staff(
    client, request, coordinator, efus_staff, role, sees
):
    practice = submitted(coordinator, "Beach patrols")
    moderation_publish(obj=practice, by=efus_staff, message="Welcome aboard")
    client.force_login(request.getfixturevalue(role))
    html = client.get(practice.get_absolute_url()).content.decode()
    assert ("Welcome aboard" in html) is sees
    assert ('id="item-history-title"' in html) is sees


def test_the_author_of_a_draft_sees_its_history(client):
    author = make_member(reference_body("nice"))
    practice = practice_create(by=author, data={"title": "My draft", "summary": "S"})
    client.force_login(author)
    html = client.get(practice.get_absolute_url()).content.decode()
    assert 'id="item-history-title"' in html and "No event yet." in html


def test_the_periodic_task_puts_the_count_back_in_the_cache(client, efus_staff, coordinator):
    from django.core.cache import cache

    from moderation.tasks import refresh_waiting_count

    submitted(coordinator, "Beach patrols")  # its commit's recount never ran (a lost cache)
    cache.clear()
    client.force_login(efus_staff)
    assert "waiting" not in client.get(reverse("cities:home")).content.decode()
    assert refresh_waiting_count.apply().get() == 1
    assert "1 waiting" in client.get(reverse("cities:home")).content.decode()
