"""The decisions a moderator takes on the review page, one entry each.

A decision is a service of ``moderation.services`` (``obj``, ``by``, ``message``, ``version``), the
states it applies to (the same test the service makes under its lock), its button and what the
moderator is told once it is done. ``urls.py`` gives each its URL
(``moderation/<label>/<pk>/<path>/``, named ``moderation:<name>``), the review page shows the
buttons of those that apply, and one view takes them all. Adding a decision (e.g. dismissing
reports) is one entry here, its service, its emails in ``notifications.py``, and its case in the
permission matrix (``tests/test_url_coverage.py`` asks for it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import reports, services
from .models import Moderated, Revision, Status


@dataclass(frozen=True)
class Decision:
    name: str
    path: str
    service: Callable[..., Any]
    applies: Callable[[Moderated, Revision | None], bool]
    label: Promise
    # The button's label when the decision is about a proposed edit of a published item.
    edit_label: Promise | None
    done: Promise  # "%(item)s" is the item
    style: str = ""  # a button class: "button-secondary", "button-danger"
    needs_message: bool = True

    def label_for(self, obj: Moderated, revision: Revision | None) -> Promise:
        if self.edit_label is not None and obj.status == Status.PUBLISHED and revision:
            return self.edit_label
        return self.label


DECISIONS = [
    Decision(
        name="publish",
        path="publish",
        service=services.moderation_publish,
        applies=services.awaits_decision,
        label=_("Publish"),
        edit_label=_("Publish the edit"),
        done=_("Published: “%(item)s”. The author is told by email."),
        needs_message=False,
    ),
    Decision(
        name="request_changes",
        path="request-changes",
        service=services.moderation_request_changes,
        applies=services.awaits_decision,
        label=_("Request changes"),
        edit_label=_("Request changes on the edit"),
        done=_("Changes requested on “%(item)s”. The author is told by email."),
        style="button-secondary",
    ),
    Decision(
        name="reject",
        path="reject",
        service=services.moderation_reject,
        applies=services.awaits_decision,
        label=_("Reject"),
        edit_label=_("Reject the edit"),
        done=_("Rejected: “%(item)s”. The author is told by email."),
        style="button-danger",
    ),
    Decision(
        name="unpublish",
        path="unpublish",
        service=services.moderation_unpublish,
        applies=services.is_published,
        label=_("Unpublish"),
        edit_label=None,
        done=_("Unpublished: “%(item)s” is back with its author. They are told by email."),
        style="button-danger",
    ),
    Decision(
        name="restore",
        path="restore",
        service=services.moderation_restore,
        applies=services.is_unpublished,
        label=_("Publish again"),
        edit_label=None,
        done=_("Published again: “%(item)s”. The author is told by email."),
    ),
    Decision(
        name="dismiss_reports",
        path="dismiss-reports",
        service=reports.reports_dismiss,
        applies=reports.has_open_reports,
        label=_("Dismiss the reports"),
        edit_label=None,
        done=_("Reports dismissed: “%(item)s” is shown to its readers. The reporters are told."),
        style="button-secondary",
        needs_message=False,
    ),
]

BY_NAME = {decision.name: decision for decision in DECISIONS}


def available(obj: Moderated, revision: Revision | None) -> list[dict[str, Any]]:
    """The decisions that apply to the item now, with their button's label and style."""
    return [
        {
            "name": d.name,
            "url_name": f"moderation:{d.name}",
            "label": d.label_for(obj, revision),
            "style": d.style,
        }
        for d in DECISIONS
        if d.applies(obj, revision)
    ]
