"""The moderators' queue, generic over the models of ``moderation.registry``: its tabs, its rows,
and the waiting count shown in staff's navigation.

Tabs:

- **waiting**: new items (submitted) and proposed edits of published items (a submitted
  revision);
- **reported**: published items with open reports (their count and reasons);
- **overdue**: published items past their review-by date (``moderation.freshness``);
- **decided**: the decisions of the log, newest first, in pages of ``DECIDED_PER_PAGE``.

Rows are oldest first (what has waited longest on top). A tab costs a fixed number of queries,
whatever the number of rows: one per registered model (waiting, reported, overdue), plus one for
the proposed edits' authors (waiting) or the reports (reported); decided is filtered in the
database (``decided_events``) and paged by the view: its count and one page of events.

The navigation's count (``waiting_count``) is read from the cache and never costs a query on a
page: it is computed (one query) after every commit that changes the queue
(``waiting_count_changed``) and every five minutes (``tasks.refresh_waiting_count``, so that a
cache that lost it has it back within minutes); meanwhile the navigation shows no figure.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import registry
from .models import ModerationEvent, Report, Revision, Status

TABS = {
    "waiting": _("Waiting"),
    "reported": _("Reported"),
    "overdue": _("Overdue"),
    "decided": _("Decided"),
}
DECIDED_PER_PAGE = 50  # as the audit log's pages
DECISIONS = (
    ModerationEvent.Action.PUBLISH,
    ModerationEvent.Action.PUBLISH_REVISION,
    ModerationEvent.Action.REQUEST_CHANGES,
    ModerationEvent.Action.REQUEST_REVISION_CHANGES,
    ModerationEvent.Action.REJECT,
    ModerationEvent.Action.REJECT_REVISION,
    ModerationEvent.Action.UNPUBLISH,
    ModerationEvent.Action.RESTORE,
    ModerationEvent.Action.DISMISS_REPORTS,
)
# Relations a queue row shows, selected when the model has them.
RELATED = ("city", "body", "created_by")
WAITING_COUNT_KEY = "moderation:waiting-count"


def related(model: type[models.Model]) -> list[str]:
    relations = {f.name for f in model._meta.get_fields() if f.many_to_one}
    return [name for name in RELATED if name in relations]


@dataclass
class QueueRow:
    kind: str  # "new", "edit", "reported", "overdue", or a decision (an event's action)
    label: str  # the model's "app_label.model_name"
    obj: Any  # the item (None for a decision on an item since deleted)
    since: dt.datetime | dt.date | None
    author: Any = None
    reasons: list[str] = field(default_factory=list)
    report_count: int = 0
    event: ModerationEvent | None = None

    @property
    def city(self) -> Any:
        return getattr(self.obj, "city", None)

    @property
    def sort_key(self) -> tuple[int, str]:
        since = self.since
        if isinstance(since, dt.datetime):
            return (0, since.isoformat())
        if isinstance(since, dt.date):
            return (0, dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC).isoformat())
        return (1, "")


@dataclass(frozen=True)
class QueueFilters:
    label: str = ""  # one registered model, or all
    city_id: int | None = None
    older_than_days: int | None = None

    def models(self) -> list[Any]:
        models_ = registry.all_models()
        return [m for m in models_ if not self.label or m._meta.label_lower == self.label]

    def apply(self, queryset: Any) -> Any:
        if self.city_id is not None:
            queryset = queryset.filter(city_id=self.city_id)
        return queryset

    def keep(self, row: QueueRow) -> bool:
        if self.older_than_days is None or row.since is None:
            return True
        since = row.since
        if isinstance(since, dt.datetime):
            since = timezone.localdate(since)
        return since <= timezone.localdate() - dt.timedelta(days=self.older_than_days)


def _waiting(filters: QueueFilters) -> list[QueueRow]:
    """New items and proposed edits: one query per model (the item, its relations and its
    waiting edit's date and author id), and one for the edits' authors."""
    rows: list[QueueRow] = []
    for model in filters.models():
        ct = ContentType.objects.get_for_model(model)
        edits = Revision.objects.waiting().filter(content_type=ct, object_id=OuterRef("pk"))
        items = filters.apply(
            model._default_manager.select_related(*related(model))
            .annotate(
                edit_since=Subquery(edits.values("updated_at")[:1]),
                edit_by=Subquery(edits.values("created_by_id")[:1]),
            )
            .filter(Q(status=Status.SUBMITTED) | Q(Exists(edits)))
        )
        label = model._meta.label_lower
        for obj in items:
            if obj.status == Status.SUBMITTED:
                rows.append(QueueRow("new", label, obj, obj.submitted_at, obj.created_by))
            else:
                rows.append(QueueRow("edit", label, obj, obj.edit_since, obj.edit_by))
    authors = {row.author for row in rows if isinstance(row.author, int)}
    users = get_user_model()._default_manager.in_bulk(authors) if authors else {}
    for row in rows:
        if isinstance(row.author, int):
            row.author = users.get(row.author)
    return rows


def _reported(filters: QueueFilters) -> list[QueueRow]:
    """Items with open reports: one query for the reports, one per model for the items."""
    reports: dict[tuple[int, int], list[Report]] = defaultdict(list)
    for report in Report.objects.open().order_by("created_at", "pk"):
        reports[report.content_type_id, report.object_id].append(report)
    rows: list[QueueRow] = []
    for model in filters.models():
        ct = ContentType.objects.get_for_model(model)
        reported = Report.objects.open().filter(content_type=ct).values("object_id")
        items = filters.apply(
            model._default_manager.select_related(*related(model)).filter(pk__in=reported)
        )
        label = model._meta.label_lower
        for obj in items:
            theirs = reports.get((ct.pk, obj.pk), [])
            if not theirs:  # reported after the first query
                continue
            reasons = sorted({r.get_reason_display() for r in theirs})
            rows.append(
                QueueRow("reported", label, obj, theirs[0].created_at, obj.created_by,
                         reasons=reasons, report_count=len(theirs))
            )  # fmt: skip
    return rows


def _overdue(filters: QueueFilters) -> list[QueueRow]:
    """Published items past their review-by date: one query per model."""
    rows: list[QueueRow] = []
    for model in filters.models():
        items = filters.apply(model._default_manager.select_related(*related(model)).overdue())
        label = model._meta.label_lower
        rows += [QueueRow("overdue", label, o, o.review_by, o.created_by) for o in items]
    return rows


def decided_events(filters: QueueFilters) -> QuerySet[ModerationEvent]:
    """The decisions, newest first, with their author and content type (one query a page: the
    items are not read, the event keeps their label). Every filter is applied here, age too,
    so that a page holds a full page of rows."""
    events = ModerationEvent.objects.filter(action__in=DECISIONS).select_related(
        "by", "content_type"
    )
    if filters.label:
        model = registry.get(filters.label)
        events = events.filter(content_type=ContentType.objects.get_for_model(model))  # type: ignore[arg-type]
    if filters.city_id is not None:
        events = events.in_city(filters.city_id)
    if filters.older_than_days is not None:
        # ``QueueFilters.keep``: decided on or before that day, in local time.
        day_after = timezone.localdate() - dt.timedelta(days=filters.older_than_days - 1)
        start = timezone.make_aware(dt.datetime.combine(day_after, dt.time.min))
        events = events.filter(at__lt=start)
    return events.order_by("-at", "-pk")


def decided_rows(events: Iterable[ModerationEvent]) -> list[QueueRow]:
    """The Decided tab's rows for a page of ``decided_events``."""
    rows = []
    for event in events:
        label = f"{event.content_type.app_label}.{event.content_type.model}"
        rows.append(QueueRow(event.action, label, None, event.at, event.by, event=event))
    return rows


BUILDERS = {"waiting": _waiting, "reported": _reported, "overdue": _overdue}


def queue_rows(tab: str = "waiting", filters: QueueFilters | None = None) -> list[QueueRow]:
    """The rows of a tab that needs a decision (waiting, reported, overdue), oldest first; the
    Decided tab is paged (``decided_events``, ``decided_rows``)."""
    filters = filters or QueueFilters()
    rows = [row for row in BUILDERS[tab](filters) if filters.keep(row)]
    return sorted(rows, key=lambda r: r.sort_key)


# --- Counts -------------------------------------------------------------------------------------


def tab_counts(today: dt.date | None = None) -> dict[str, int]:
    """How many items wait in each tab (the daily email): a few queries per model."""
    today = today or timezone.localdate()
    counts = {"waiting": Revision.objects.waiting().count(), "reported": 0, "overdue": 0}
    for model in registry.all_models():
        manager = model._default_manager
        counts["waiting"] += manager.filter(status=Status.SUBMITTED).count()
        counts["overdue"] += manager.overdue(today).count()  # type: ignore[attr-defined]
    counts["reported"] = (
        Report.objects.open().values("content_type_id", "object_id").distinct().count()
    )
    return counts


def compute_waiting_count() -> int:
    """What waits for a decision: new items, proposed edits and reported items, each item once
    (one query)."""
    parts = []
    for model in registry.all_models():
        ct = ContentType.objects.get_for_model(model)
        edits = Revision.objects.waiting().filter(content_type=ct, object_id=OuterRef("pk"))
        reports = Report.objects.open().filter(content_type=ct, object_id=OuterRef("pk"))
        parts.append(
            model._default_manager.filter(
                Q(status=Status.SUBMITTED) | Q(Exists(edits)) | Q(Exists(reports))
            )
            .order_by()
            .values("pk")
        )
    if not parts:
        return 0
    first, *rest = parts
    return first.union(*rest, all=True).count() if rest else first.count()


def refresh_waiting_count() -> int:
    count = compute_waiting_count()
    cache.set(WAITING_COUNT_KEY, count, None)
    return count


def waiting_count() -> int | None:
    """The cached count for the navigation, or None when the cache does not have it."""
    value = cache.get(WAITING_COUNT_KEY)
    return value if isinstance(value, int) else None


def waiting_count_changed() -> None:
    """Something entered or left the queue: count again once the transaction commits."""
    transaction.on_commit(refresh_waiting_count)
