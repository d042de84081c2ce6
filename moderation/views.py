"""The moderation pages, generic over the models in ``moderation.registry``: the queue, the review
page with its decisions, and the audit log with its CSV export (Efus staff with MFA only; anyone
else gets a 404); and what readers do on an item's page: report it (members), keep it current
(its city's coordinators)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.permissions import allowed
from pactesur.spreadsheets import BOM, CSV_TYPE, Echo, csv_cell

from . import registry
from .decisions import BY_NAME, available
from .diff import describe_changes
from .filters import EventFilter
from .forms import DecisionForm, QueueFilterForm, ReportForm, ReviewByForm
from .freshness import freshness_mark_current, freshness_set_review_by
from .models import ModerationEvent, Report, Revision, Status
from .queue import (
    DECIDED_PER_PAGE,
    TABS,
    QueueFilters,
    decided_events,
    decided_rows,
    queue_rows,
    related,
)
from .reports import report_create
from .services import StaleVersion
from .versions import version_token

LOG_PER_PAGE = 50


def moderator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else the login page), and an Efus moderator with MFA (else 404)."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not allowed("moderation.moderate", request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _model(label: str) -> type[models.Model]:
    model = registry.get(label)
    if model is None:
        raise Http404
    return model


def _object(label: str, pk: int) -> Any:
    model = _model(label)
    return get_object_or_404(model._default_manager.select_related(*related(model)), pk=pk)


# --- The queue --------------------------------------------------------------------------------


@require_safe
@moderator_required
def queue(request: HttpRequest) -> HttpResponse:
    """The queue's tabs (``moderation.queue``), filtered by type, city and age; Decided in
    pages, as the audit log."""
    tab = request.GET.get("tab", "waiting")
    if tab not in TABS:
        tab = "waiting"
    form = QueueFilterForm(request.GET)
    filters = QueueFilters()
    if form.is_valid():
        city = form.cleaned_data["city"]
        age = form.cleaned_data["age"]
        filters = QueueFilters(
            label=form.cleaned_data["type"] or "",
            city_id=city.pk if city else None,
            older_than_days=int(age) if age else None,
        )
    page = None
    if tab == "decided":
        page = Paginator(decided_events(filters), DECIDED_PER_PAGE).get_page(
            request.GET.get("page")
        )
        rows = decided_rows(page.object_list)
    else:
        rows = queue_rows(tab, filters)
    query = request.GET.copy()
    query.pop("tab", None)
    query.pop("page", None)  # a tab, and new filters, start at their first page
    return render(
        request,
        "moderation/queue.html",
        {
            "rows": rows,
            "row_count": page.paginator.count if page else len(rows),
            "page_obj": page,
            "tab": tab,
            "tabs": [(name, label) for name, label in TABS.items()],
            "form": form,
            "query": query.urlencode(),
            "registered": {m._meta.label_lower for m in registry.all_models()},
        },
    )


# --- Review and decisions ---------------------------------------------------------------------


def _review_context(
    label: str,
    obj: Any,
    form: DecisionForm | None = None,
    *,
    message: str = "",
    changed: list[str] | None = None,
) -> dict[str, Any]:
    """The review page: the item, its open revision and what it changes, its history, and the
    decisions that apply, in one form carrying the version shown (``moderation.versions``)."""
    revision = Revision.objects.open_for(obj).select_related("created_by").first()
    model = type(obj)
    events = list(ModerationEvent.objects.for_object(obj).select_related("by", "revision"))
    if form is None:
        version = version_token(obj, revision)
        form = DecisionForm(initial={"version": version, "message": message})
    taken_down = next((e for e in events if e.action == ModerationEvent.Action.UNPUBLISH), None)
    reports = list(Report.objects.open().for_object(obj).select_related("by", "city"))
    return {
        "reports": reports,
        "label": label,
        "object": obj,
        "verbose_name": model._meta.verbose_name,
        # ``{% include %}`` takes the first that exists.
        "item_templates": [
            f"moderation/items/{model._meta.app_label}_{model._meta.model_name}.html",
            "moderation/items/default.html",
        ],
        "revision": revision,
        "changes": describe_changes(obj, revision.data) if revision else [],
        "events": events,
        "form": form,
        "decisions": available(obj, revision),
        # A decision refused because the item changed since the page was shown: what changed.
        "changed": changed,
        # An unpublished item edited since it was taken down: "publish again" publishes the edit.
        "edited_since_taken_down": bool(
            obj.status == Status.UNPUBLISHED and taken_down and obj.updated_at > taken_down.at
        ),
    }


@require_safe
@moderator_required
def review(request: HttpRequest, label: str, pk: int) -> HttpResponse:
    obj = _object(label, pk)
    return render(request, "moderation/review.html", _review_context(label, obj))


@require_POST
@moderator_required
def decide(request: HttpRequest, label: str, pk: int, decision: str) -> HttpResponse:
    """Take one decision (``moderation.decisions``) on the version of the item the form carries.
    Refused (409) when the item changed since: the page shows it as it is now and says what
    changed; the message typed is kept."""
    chosen = BY_NAME[decision]
    obj = _object(label, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            chosen.service(
                obj=obj,
                by=request.user,
                message=form.cleaned_data["message"],
                version=form.cleaned_data["version"],
            )
        except StaleVersion as exc:
            context = _review_context(
                label, _object(label, pk), message=form.cleaned_data["message"],
                changed=exc.changes,
            )  # fmt: skip
            return render(request, "moderation/review.html", context, status=409)
        except ValidationError as exc:
            form.add_error("message" if exc.code == "message" else None, exc)
        else:
            messages.success(request, chosen.done % {"item": obj})
            return redirect("moderation:queue")
    obj = _object(label, pk)
    return render(request, "moderation/review.html", _review_context(label, obj, form), status=400)


# --- The audit log ----------------------------------------------------------------------------


def _log_filter(request: HttpRequest) -> EventFilter:
    if not allowed("moderation.view_log", request.user):
        raise Http404
    events = ModerationEvent.objects.select_related("by", "content_type", "revision")
    return EventFilter(request.GET, queryset=events)


@require_safe
@login_required
def log(request: HttpRequest) -> HttpResponse:
    """Every moderation transition, newest first, filterable by type, city, moderator, action
    and date; the same filters give the CSV export."""
    filterset = _log_filter(request)
    page = Paginator(filterset.qs, LOG_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "moderation/log.html",
        {
            "filterset": filterset,
            "form": filterset.form,
            "page_obj": page,
            "events": list(page.object_list),
            "registered": {m._meta.label_lower for m in registry.all_models()},
            "query": query.urlencode(),
        },
    )


LOG_COLUMNS = ["at", "item_type", "item_id", "item", "action", "from", "to", "by", "message"]


def streamed_csv(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, filename: str, excel: bool = False
) -> StreamingHttpResponse:
    """A CSV download, streamed row by row (``pactesur.spreadsheets``: safe cells, and a byte
    order mark for Excel), as the practices' export is."""

    def lines() -> Iterator[str]:
        writer = csv.writer(Echo())
        yield (BOM if excel else "") + writer.writerow(header)
        for row in rows:
            yield writer.writerow([csv_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    patch_vary_headers(response, ["Cookie"])
    return response


@require_safe
@login_required
def log_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered log as CSV (``lists.csv``), streamed; ``excel=1`` for Excel."""
    filterset = _log_filter(request)
    filename = f"pactesur-moderation-log-{timezone.localdate():%Y-%m-%d}.csv"
    if request.method == "HEAD":
        return streamed_csv(LOG_COLUMNS, [], filename=filename)
    events = filterset.qs.iterator(chunk_size=1000) if filterset.is_valid() else []
    rows = (
        [
            e.at.isoformat(),
            f"{e.content_type.app_label}.{e.content_type.model}",
            e.object_id,
            e.object_label,
            e.action,
            e.from_status,
            e.to_status,
            e.by.email if e.by else "",
            e.message,
        ]
        for e in events
    )
    return streamed_csv(LOG_COLUMNS, rows, filename=filename, excel=request.GET.get("excel") == "1")


# --- Readers: reports and freshness -------------------------------------------------------------


def _readable(request: HttpRequest, label: str, pk: int) -> Any:
    """The item if the user may open it (the one visibility rule), else 404."""
    model = _model(label)
    manager: Any = model._default_manager
    return get_object_or_404(manager.visible_to(request.user), pk=pk)


def _back(obj: Any) -> HttpResponse:
    url = getattr(obj, "get_absolute_url", None)
    return redirect(url() if url else "cities:home")


@require_POST
@login_required
def report(request: HttpRequest, label: str, pk: int) -> HttpResponse:
    """A member reports a published item (``moderation.reports``); the form is on the item's
    page (``moderation/includes/item_desk.html``), and shown again here when it has errors."""
    obj = _readable(request, label, pk)
    if not allowed("moderation.report", request.user, obj):
        raise Http404
    form = ReportForm(request.POST)
    if form.is_valid():
        try:
            report_create(
                obj=obj,
                by=request.user,
                reason=form.cleaned_data["reason"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Thank you: your report was sent to the Efus moderators."))
            return _back(obj)
    status = 429 if form.has_error(NON_FIELD_ERRORS, "rate") else 400
    return render(
        request,
        "moderation/report_form.html",
        {"object": obj, "label": label, "form": form},
        status=status,
    )


@require_POST
@login_required
def mark_current(request: HttpRequest, label: str, pk: int) -> HttpResponse:
    """Its city's coordinator says a published item is still current (``moderation.freshness``)."""
    obj = _readable(request, label, pk)
    if not allowed("moderation.review_item", request.user, obj):
        raise Http404
    try:
        freshness_mark_current(obj=obj, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Marked as still current. Next review by %(date)s.")
            % {"date": date_format(obj.review_by)},
        )
    return _back(obj)


@require_POST
@login_required
def set_review_by(request: HttpRequest, label: str, pk: int) -> HttpResponse:
    """Its city's coordinator sets the date by which a published item should be reviewed."""
    obj = _readable(request, label, pk)
    if not allowed("moderation.review_item", request.user, obj):
        raise Http404
    form = ReviewByForm(request.POST)
    if form.is_valid():
        try:
            freshness_set_review_by(
                obj=obj, by=request.user, review_by=form.cleaned_data["review_by"]
            )
        except ValidationError as exc:
            form.add_error("review_by", exc)
    if form.errors:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    else:
        messages.success(
            request, _("Review date set to %(date)s.") % {"date": date_format(obj.review_by)}
        )
    return _back(obj)
