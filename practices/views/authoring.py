"""Writing practices: drafting, editing (a revision once published), submitting, attachments,
adoptions, and "my practices". Every object comes through ``practices.permissions``; every write
is a service.

Attachments are part of the practice form (a multiple-file input). A file that fails its content
check makes the whole form invalid: the page comes back with everything typed still in the fields
and the error on the file field (browsers never refill a file input, so the message says to choose
the files again). Nothing is saved until the text and every file are valid.
"""

from __future__ import annotations

import copy
import os
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.permissions import allowed
from accounts.roles import has_coordinator_powers
from moderation.models import Revision, Status
from moderation.services import moderation_submit

from .. import services
from ..forms import AdoptionForm, PracticeForm
from ..models import Practice
from ..permissions import get_practice_for_adoption, get_practice_for_user

MINE_PER_PAGE = 50


def _member_required(request: HttpRequest) -> None:
    user: Any = request.user
    if not allowed("practices.add_practice", user) or user.city is None:
        raise Http404


def _save_files(form: PracticeForm, practice: Practice, user: Any) -> int:
    files = form.cleaned_data.get("new_files") or []
    for upload in files:
        services.attachment_add(practice=practice, by=user, upload=upload)
    return len(files)


def _files_error(form: PracticeForm, exc: ValidationError) -> None:
    form.add_error("new_files" if "new_files" in form.fields else None, exc)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def practice_create(request: HttpRequest) -> HttpResponse:
    """A member drafts a practice of their own city (with its attachments)."""
    _member_required(request)
    form = PracticeForm(request.POST or None, request.FILES or None, instance=Practice())
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                practice = services.practice_create(by=request.user, data=form.moderated_data())
                _save_files(form, practice, request.user)
        except ValidationError as exc:
            _files_error(form, exc)
        else:
            messages.success(request, _saved_message(request.user, practice))
            return redirect(practice.get_absolute_url())
    return render(request, "practices/practice_form.html", _form_context(request, form, None, None))


def _saved_message(user: Any, practice: Practice) -> str:
    if allowed("practices.submit_practice", user, practice):
        return _("Draft saved. Submit it for review when it is ready: only you can see it for now.")
    return _(
        "Draft saved. Only you, your city's coordinator and Efus staff can see it. When it is "
        "ready, ask your coordinator to submit it for review."
    )


def _form_context(
    request: HttpRequest, form: PracticeForm, practice: Practice | None, revision: Any
) -> dict:
    return {
        "form": form,
        "practice": practice,
        "revision": revision,
        "attachments": list(practice.attachments.all()) if practice else [],
        "proposes_revision": bool(practice and practice.is_published),
        # Browsers never refill a file input: say so when the form comes back with files chosen.
        "files_hint": bool(form.is_bound and form.errors and request.FILES),
        # Adding and deleting files follow one rule (``services._may_change_attachments``).
        "can_change_attachments": "new_files" in form.fields,
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def practice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a draft in place; for a published practice, propose an edit (a revision) that starts
    from the pending one if there is one. Readers keep the published text until it is approved."""
    practice = get_practice_for_user(request.user, pk, write=True)
    if practice.status == Status.SUBMITTED:
        messages.info(
            request,
            _(
                "This practice is being reviewed: you can edit it again once the moderator "
                "has decided."
            ),
        )
        return redirect(practice.get_absolute_url())
    revision = Revision.objects.open_for(practice).first() if practice.is_published else None
    attachments_allowed = practice.is_editable_in_place or allowed(
        "moderation.moderate", request.user
    )
    # The form validates a copy: the practice readers see is never changed by a form.
    form = PracticeForm(
        request.POST or None,
        request.FILES or None,
        instance=copy.copy(practice),
        initial=dict(revision.data) if revision else None,
        attachments_allowed=attachments_allowed,
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.practice_update(
                    practice=practice, by=request.user, data=form.moderated_data()
                )
                added = _save_files(form, practice, request.user)
        except ValidationError as exc:
            _files_error(form, exc)
        else:
            if practice.is_published:
                messages.success(
                    request,
                    _(
                        "Your edit is sent to the Efus moderators. Readers see the published text "
                        "until they approve it."
                    ),
                )
            else:
                messages.success(request, _("Changes saved."))
            if added:
                return redirect("practices:edit", pk=practice.pk)
            return redirect(practice.get_absolute_url())
    return render(
        request, "practices/practice_form.html", _form_context(request, form, practice, revision)
    )


@require_POST
@login_required
def practice_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """The city's coordinator (or Efus staff) sends a draft to the moderators."""
    practice = get_practice_for_user(request.user, pk)
    try:
        moderation_submit(obj=practice, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _(
                "Submitted for review. The Efus moderators are told; you will hear of their "
                "decision by email."
            ),
        )
    return redirect(practice.get_absolute_url())


# --- Attachments ------------------------------------------------------------------------------


@require_safe
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    """The file, to anyone who may see the practice (404 otherwise), with the type detected at
    upload: PDFs download, images show inline; the browser is told not to guess the type."""
    practice = get_practice_for_user(request.user, pk)
    attachment = get_object_or_404(practice.attachments.all(), pk=attachment_pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    stem = slugify(os.path.splitext(attachment.original_name)[0])[:80] or "attachment"
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        as_attachment=not attachment.is_image,
        filename=f"{stem}.{attachment.extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    patch_cache_control(response, private=True, max_age=0 if not practice.is_published else 3600)
    patch_vary_headers(response, ["Cookie"])
    return response


@require_POST
@login_required
def attachment_delete(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    practice = get_practice_for_user(request.user, pk, write=True)
    attachment = get_object_or_404(practice.attachments.all(), pk=attachment_pk)
    attachment.practice = practice
    try:
        services.attachment_delete(attachment=attachment, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(practice.get_absolute_url())
    messages.success(request, _("Attachment “%(name)s” deleted.") % {"name": attachment})
    return redirect("practices:edit", pk=practice.pk)


# --- Adoptions --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def adoption_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A coordinator records that their city adopted or adapted another city's practice."""
    user: Any = request.user
    practice = get_practice_for_adoption(user, pk)
    form = AdoptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.adoption_create(practice=practice, by=user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            adopted = form.instance.kind == form.instance.Kind.ADOPTED
            messages.success(
                request,
                (
                    _("Recorded: %(city)s adopted this practice.")
                    if adopted
                    else _("Recorded: %(city)s adapted this practice.")
                )
                % {"city": user.city.name},
            )
            return redirect(practice.get_absolute_url())
    return render(request, "practices/adoption_form.html", {"form": form, "practice": practice})


# --- My practices -----------------------------------------------------------------------------


@login_required
def practice_mine(request: HttpRequest) -> HttpResponse:
    """The user's own practices, and for a coordinator every practice of their city, with their
    status and any pending edit; Efus staff get a link to the moderation queue."""
    _member_required(request)
    user: Any = request.user
    coordinator = has_coordinator_powers(user)
    scope = Q(created_by=user)
    if coordinator:
        scope |= Q(city=user.city)
    open_revisions = Revision.objects.open_for(Practice).filter(object_id=OuterRef("pk"))
    practices = (
        Practice.objects.visible_to(user)
        .filter(scope)
        .select_related("city", "created_by")
        .only(
            "id",
            "title",
            "slug",
            "status",
            "visibility",
            "updated_at",
            "published_at",
            "moderation_message",
            "city__id",
            "city__name",
            "city__slug",
            "created_by__id",
            "created_by__full_name",
            "created_by__email",
        )
        .annotate(revision_status=Subquery(open_revisions.values("status")[:1]))
        .order_by("-updated_at", "-pk")
    )
    page = Paginator(practices, MINE_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "practices/practice_mine.html",
        {
            "page_obj": page,
            "practices": list(page.object_list),
            "is_coordinator": coordinator,
            "is_moderator": allowed("moderation.moderate", user),
        },
    )
