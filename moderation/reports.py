"""Reports: members flag a published item; enough of them hide it until a moderator decides.

- ``report_create``: any member who may read a published item reports it, with a reason and a
  comment; one open report per member and item (``report_one_open_per_member``), and at most
  ``RATE_LIMIT`` reports per member per ``RATE_WINDOW`` (counted in the cache, as allauth's
  limits are).
- The item is hidden (``Moderated.hidden_at``, read by the one visibility rule) when its open
  reports reach ``HIDE_AFTER`` from members of at least ``HIDE_CITIES`` cities, or at once on a
  "personal data" report. Its authors and its city's coordinators are told, without learning who
  reported; they, and staff, still open it.
- A moderator dismisses the reports (``reports_dismiss``: the item stays, or comes back) or
  unpublishes the item (``moderation.services.moderation_unpublish`` closes them as upheld);
  the reporters are told the outcome.

Hiding and showing again save the item's row (``update_fields``): whatever follows the model's
saves (the list cache of practices, ``practices.signals``) forgets what it showed.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import allowed

from . import notifications
from .models import Moderated, ModerationEvent, Report, Status
from .queue import waiting_count_changed

HIDE_AFTER = 3  # open reports...
HIDE_CITIES = 2  # ...from members of at least this many cities
RATE_LIMIT = 10  # reports per member...
RATE_WINDOW = 3600  # ...per hour


def _rate_limited(user: Any) -> bool:
    """Count one report of ``user`` in the current window; true past ``RATE_LIMIT``."""
    window = int(timezone.now().timestamp()) // RATE_WINDOW
    key = f"moderation:reports:{user.pk}:{window}"
    cache.add(key, 0, RATE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # the entry expired between add and incr
        cache.set(key, 1, RATE_WINDOW)
        count = 1
    return count > RATE_LIMIT


def should_hide(reports: list[Report]) -> bool:
    """The threshold, over an item's open reports."""
    if any(r.reason == Report.Reason.PERSONAL_DATA for r in reports):
        return True
    cities = {r.city_id for r in reports if r.city_id is not None}
    return len(reports) >= HIDE_AFTER and len(cities) >= HIDE_CITIES


def _lock(obj: Moderated) -> None:
    obj.refresh_from_db(from_queryset=type(obj)._default_manager.select_for_update())


@transaction.atomic
def report_create(*, obj: Moderated, by: Any, reason: str, comment: str = "") -> Report:
    """Report a published item (rule ``moderation.report``). Raises ``ValidationError`` with code
    ``state`` (not published), ``duplicate`` (an open report of theirs exists) or ``rate``."""
    if not allowed("moderation.report", by, obj):
        raise PermissionDenied
    if reason not in Report.Reason.values:
        raise ValidationError(_("Choose a reason."), code="reason")
    _lock(obj)
    if obj.status != Status.PUBLISHED:
        raise ValidationError(_("Only a published item can be reported."), code="state")
    open_reports = Report.objects.open().for_object(obj)
    if open_reports.filter(by=by).exists():
        raise ValidationError(
            _("You already reported this item: a moderator will look at it."), code="duplicate"
        )
    if _rate_limited(by):
        raise ValidationError(
            _("You have sent many reports in the last hour: please try again later."), code="rate"
        )
    try:
        with transaction.atomic():
            report = Report.objects.create(
                content_type=ContentType.objects.get_for_model(obj),
                object_id=obj.pk,
                reason=reason,
                comment=comment.strip(),
                by=by,
                city_id=getattr(by.city, "pk", None),
            )
    except IntegrityError:  # the same member, at the same moment
        raise ValidationError(
            _("You already reported this item: a moderator will look at it."), code="duplicate"
        ) from None
    if obj.hidden_at is None and should_hide(list(open_reports)):
        obj.hidden_at = timezone.now()
        obj.save(update_fields=["hidden_at"])
        event = _record(obj, ModerationEvent.Action.HIDE, by=None)
        notifications.item_hidden(event, obj)
    waiting_count_changed()
    return report


def _record(obj: Moderated, action: str, *, by: Any, message: str = "") -> ModerationEvent:
    from .services import event_record

    return event_record(
        obj, action=action, by=by, from_status=obj.status, to_status=obj.status, message=message
    )


def close_reports(obj: Moderated, *, to: str, event: ModerationEvent) -> None:
    """Close the item's open reports (dismissed, or upheld when it is unpublished), show it again
    if it was hidden, and tell each reporter the outcome. Inside the decision's transaction,
    under its row lock."""
    reports = list(Report.objects.open().for_object(obj).select_related("by"))
    if not reports and obj.hidden_at is None:
        return
    now = timezone.now()
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(status=to, decided_at=now)
    if obj.hidden_at is not None:
        obj.hidden_at = None
        obj.save(update_fields=["hidden_at"])
    for report in reports:
        notifications.report_decided(event, obj, report)
    waiting_count_changed()


def has_open_reports(obj: Moderated, revision: Any = None) -> bool:
    return Report.objects.open().for_object(obj).exists()


@transaction.atomic
def reports_dismiss(
    *, obj: Moderated, by: Any, message: str = "", version: str | None = None
) -> Moderated:
    """Dismiss the item's open reports: it stays published, or comes back if it was hidden."""
    from .services import _decide

    _decide(obj, by, version, has_open_reports)
    event = _record(obj, ModerationEvent.Action.DISMISS_REPORTS, by=by, message=message.strip())
    close_reports(obj, to=Report.Status.DISMISSED, event=event)
    return obj
