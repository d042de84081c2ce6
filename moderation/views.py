"""The moderation pages, generic over the models in ``moderation.registry``: the queue, the review
page with its decisions, and the audit log. Efus staff with MFA only; anyone else gets a 404."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import allowed

from . import registry
from .decisions import BY_NAME, available
from .diff import describe_changes
from .filters import EventFilter
from .forms import DecisionForm
from .models import ModerationEvent, Revision, Status
from .services import StaleVersion
from .versions import version_token

LOG_PER_PAGE = 50
# Relations a queue row or a review page shows, selected when the model has them.
RELATED = ("city", "body", "created_by")


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


def _related(model: type[models.Model]) -> list[str]:
    relations = {f.name for f in model._meta.get_fields() if f.many_to_one}
    return [name for name in RELATED if name in relations]


def _object(label: str, pk: int) -> Any:
    model = _model(label)
    return get_object_or_404(model._default_manager.select_related(*_related(model)), pk=pk)


# --- The queue --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    kind: str  # "new" or "edit"
    label: str
    obj: Any
    author: Any
    submitted_at: datetime | None

    @property
    def city(self) -> Any:
        return getattr(self.obj, "city", None)


def queue_rows() -> list[QueueRow]:
    """Items awaiting review, oldest first: submitted items and published items with a submitted
    revision. Three queries per registered model, whatever the number of items."""
    rows: list[QueueRow] = []
    model: Any
    for model in registry.all_models():
        label = model._meta.label_lower
        related = _related(model)
        for obj in model._default_manager.filter(status=Status.SUBMITTED).select_related(*related):
            rows.append(QueueRow("new", label, obj, obj.created_by, obj.submitted_at))
        revisions = (
            Revision.objects.open_for(model)
            .waiting()
            .select_related("created_by")
            .prefetch_related(
                GenericPrefetch("content_object", [model._default_manager.select_related(*related)])
            )
        )
        for revision in revisions:
            if revision.content_object is not None:
                rows.append(
                    QueueRow(
                        "edit",
                        label,
                        revision.content_object,
                        revision.created_by,
                        revision.updated_at,
                    )
                )
    return sorted(rows, key=lambda r: (r.submitted_at is None, r.submitted_at or datetime.min))


@require_GET
@moderator_required
def queue(request: HttpRequest) -> HttpResponse:
    return render(request, "moderation/queue.html", {"rows": queue_rows()})


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
    return {
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


@require_GET
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


@require_GET
@login_required
def log(request: HttpRequest) -> HttpResponse:
    """Every moderation transition, newest first, filterable by action and by item type."""
    if not allowed("moderation.view_log", request.user):
        raise Http404
    events = ModerationEvent.objects.select_related("by", "content_type", "revision")
    filterset = EventFilter(request.GET, queryset=events)
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
