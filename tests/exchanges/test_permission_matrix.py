"""Permission matrix of exchanges (see tests/matrix.py).

Offers written here belong to Nice (``coordinator`` is "own city", ``other_coordinator`` of
Madrid "other city"). Applications are a Nice officer's (``member``) for a Madrid offer: the two
coordinators are ``coordinator`` (sending) and ``other_coordinator`` (host); the extra roles
``third_coordinator`` (Riga), ``other_member`` (Nice) and ``madrid_officer`` see nothing of
them (404). Someone who sees an application but may not take a step gets 403.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from exchanges.calendar import feed_token
from exchanges.models import (
    Application,
    ApplicationStatus,
    Evaluation,
    FieldReport,
    FollowUp,
    Offer,
    Window,
)
from moderation.models import Status
from practices.models import Practice
from tests.cities.factories import reference_body
from tests.exchanges.factories import (
    OFFER_FORM,
    ApplicationFactory,
    OfferFactory,
    WindowFactory,
    in_days,
)
from tests.matrix import WITH_NETWORK, Case, everyone, expect, matrix_params, run_case
from tests.practices.factories import PracticeFactory

ROLES = WITH_NETWORK
APPLICATION_ROLES = (*ROLES, "third_coordinator", "other_member", "madrid_officer")


def nice_offer(request: Any, **fields: Any) -> Offer:
    return OfferFactory(city=reference_body("nice").city, host_languages=["fr"], **fields)


def published_offer(request: Any) -> dict[str, Any]:
    return {"pk": nice_offer(request).pk}


def draft_offer(request: Any) -> dict[str, Any]:
    offer = nice_offer(
        request, status=Status.DRAFT, published_at=None,
        created_by=request.getfixturevalue("coordinator"),
    )  # fmt: skip
    return {"pk": offer.pk}


def draft_window(request: Any) -> dict[str, Any]:
    window = WindowFactory(offer=Offer.objects.get(**draft_offer(request)))
    return {"pk": window.offer_id, "window_pk": window.pk}


def madrid_offer(request: Any) -> dict[str, Any]:
    offer = OfferFactory()
    WindowFactory(offer=offer)
    return {"pk": offer.pk}


def application(request: Any, status: str = ApplicationStatus.SUBMITTED, **fields: Any) -> Any:
    return ApplicationFactory(applicant=request.getfixturevalue("member"), status=status, **fields)


def submitted(request: Any) -> dict[str, Any]:
    return {"pk": application(request).pk}


def step(name: str, status: str = ApplicationStatus.SUBMITTED) -> Any:
    def kwargs(request: Any) -> dict[str, Any]:
        return {"pk": application(request, status).pk, "name": name}

    return kwargs


def completed(request: Any) -> dict[str, Any]:
    return {
        "pk": application(
            request, ApplicationStatus.COMPLETED, completed_at=timezone.now(),
            start=in_days(-5), end=in_days(-1),
        ).pk
    }  # fmt: skip


def approved_report(request: Any) -> dict[str, Any]:
    kwargs = completed(request)
    FieldReport.objects.create(
        application_id=kwargs["pk"], observed="Tourist police desks.",
        bring_home="A desk at the station.", consent_practice=True,
        status=FieldReport.Status.APPROVED,
    )  # fmt: skip
    return kwargs


def feed_of(role: str) -> Any:
    def kwargs(request: Any) -> dict[str, Any]:
        return {"token": feed_token(request.getfixturevalue(role))}

    return kwargs


# What each POST changes, read before and after the request.


def offers_like_the_form(request: Any, kwargs: dict, user: Any) -> int:
    return Offer.objects.filter(title=OFFER_FORM["title"]).count()


def offer_row(request: Any, kwargs: dict, user: Any) -> Any:
    return Offer.objects.filter(pk=kwargs["pk"]).values("status", "title").first()


def window_count(request: Any, kwargs: dict, user: Any) -> int:
    return Window.objects.filter(offer_id=kwargs["pk"]).count()


def application_count(request: Any, kwargs: dict, user: Any) -> int:
    return Application.objects.filter(offer_id=kwargs["pk"]).count()


def application_status(request: Any, kwargs: dict, user: Any) -> Any:
    return Application.objects.filter(pk=kwargs["pk"]).values_list("status", flat=True).first()


def evaluation_count(request: Any, kwargs: dict, user: Any) -> int:
    return Evaluation.objects.filter(application_id=kwargs["pk"]).count()


def report_row(request: Any, kwargs: dict, user: Any) -> Any:
    return FieldReport.objects.filter(application_id=kwargs["pk"]).values("status").first()


def report_practice(request: Any, kwargs: dict, user: Any) -> Any:
    return (
        FieldReport.objects.filter(application_id=kwargs["pk"]).values("practice").first(),
        Practice.objects.count(),
    )


def follow_up_row(request: Any, kwargs: dict, user: Any) -> Any:
    return FollowUp.objects.filter(application_id=kwargs["pk"]).values("answer").first()


def attach_data(request: Any, kwargs: dict) -> dict[str, Any]:
    return {"practice": PracticeFactory(title="Station desks").pk}


WINDOW_FORM = {"start": "2099-03-01", "end": "2099-03-07", "places": "2"}
APPLY_FORM = {
    "motivation": "See how Madrid runs match days.",
    "expected_benefit": "A plan for our stadium.",
    "languages": ["es"],
}


def apply_data(request: Any, kwargs: dict) -> dict[str, Any]:
    window = Window.objects.filter(offer_id=kwargs["pk"]).first()
    return {**APPLY_FORM, "preferred_window": window.pk}


SEES_APPLICATION = expect(
    404, APPLICATION_ROLES, member=403, coordinator=403, other_coordinator=403, efus_staff=403
)

CASES = [
    # Offers: reading
    Case("exchanges:offer_list", everyone(200, ROLES)),
    Case(
        "exchanges:offer_detail",
        expect(200, ROLES, anonymous=404, outsider=404, pending_member=404),
        kwargs=published_offer,
        id="published network offer",
    ),
    Case(
        "exchanges:offer_detail",
        expect(404, ROLES, coordinator=200, efus_staff=200, anonymous=404),
        kwargs=draft_offer,
        id="draft offer",
    ),
    # Offers: writing (a Nice draft)
    Case("exchanges:offer_create", expect(404, ROLES, coordinator=200, other_coordinator=200)),
    Case(
        "exchanges:offer_create",
        expect(404, ROLES, coordinator=302, other_coordinator=302),
        method="post",
        data=OFFER_FORM,
        state=offers_like_the_form,
    ),
    Case(
        "exchanges:offer_edit",
        expect(404, ROLES, coordinator=200, efus_staff=200),
        kwargs=draft_offer,
    ),
    Case(
        "exchanges:offer_edit",
        expect(404, ROLES, coordinator=302, efus_staff=302),
        method="post",
        kwargs=draft_offer,
        data=OFFER_FORM,
        state=offer_row,
    ),
    Case(
        "exchanges:offer_edit",
        expect(
            403,
            ROLES,
            anonymous="login",
            outsider=404,
            pending_member=404,
            coordinator=302,
            efus_staff=302,
        ),
        method="post",
        kwargs=published_offer,
        data=OFFER_FORM,
        state=lambda r, k, u: Offer.objects.get(pk=k["pk"]).revisions.count(),
        id="post:offer_edit published (a proposed edit)",
    ),
    Case(
        "exchanges:offer_submit",
        expect(404, ROLES, coordinator=302, efus_staff=302),
        method="post",
        kwargs=draft_offer,
        state=offer_row,
    ),
    Case(
        "exchanges:window_add",
        expect(404, ROLES, coordinator=302, efus_staff=302),
        method="post",
        kwargs=draft_offer,
        data=WINDOW_FORM,
        state=window_count,
    ),
    Case(
        "exchanges:window_delete",
        expect(404, ROLES, coordinator=302, efus_staff=302),
        method="post",
        kwargs=draft_window,
        state=window_count,
    ),
    # Applying (a Madrid offer for police members)
    Case("exchanges:apply", expect(404, ROLES, member=200, coordinator=200), kwargs=madrid_offer),
    Case(
        "exchanges:apply",
        expect(404, ROLES, member=302, coordinator=302),
        method="post",
        kwargs=madrid_offer,
        data=apply_data,
        state=application_count,
    ),
    Case("exchanges:for_me", expect(200, ROLES, outsider=404, pending_member=404)),
    Case(
        "exchanges:city", expect(404, ROLES, coordinator=200, other_coordinator=200, efus_staff=200)
    ),
    Case(
        "exchanges:calendar",
        expect(404, ROLES, coordinator=200, other_coordinator=200, efus_staff=200),
    ),
    Case(
        "exchanges:figures",
        expect(404, ROLES, coordinator=200, other_coordinator=200, efus_staff=200),
    ),
    Case(
        "exchanges:figures_csv",
        expect(404, ROLES, coordinator=200, other_coordinator=200, efus_staff=200),
        kwargs=lambda r: {"key": "host-city"},
    ),
    # The feed's signed address works without a session, for its owner's rights only.
    Case("exchanges:calendar_ics", everyone(200, ROLES), kwargs=feed_of("coordinator")),
    Case(
        "exchanges:calendar_ics",
        everyone(404, ROLES),
        kwargs=feed_of("member"),
        id="feed of a member",
    ),
    Case(
        "exchanges:calendar_ics",
        everyone(404, ROLES),
        kwargs=lambda r: {"token": "forged"},
        id="forged feed",
    ),
    # Applications
    Case(
        "exchanges:application_detail",
        expect(
            404,
            APPLICATION_ROLES,
            member=200,
            coordinator=200,
            other_coordinator=200,
            efus_staff=200,
        ),
        kwargs=submitted,
    ),
    Case(
        "exchanges:application_step",
        {**SEES_APPLICATION, "coordinator": 302, "efus_staff": 302},
        method="post",
        kwargs=step("endorse"),
        data={"endorse-message": "Good candidate."},
        state=application_status,
        id="post:endorse",
    ),
    Case(
        "exchanges:application_step",
        {**SEES_APPLICATION, "other_coordinator": 302, "efus_staff": 302},
        method="post",
        kwargs=step("accept", ApplicationStatus.ENDORSED),
        data=lambda r, k: {
            "accept-window": Application.objects.get(pk=k["pk"]).preferred_window_id
        },
        state=application_status,
        id="post:accept",
    ),
    Case(
        "exchanges:application_step",
        {**SEES_APPLICATION, "member": 302},
        method="post",
        kwargs=step("withdraw"),
        state=application_status,
        id="post:withdraw",
    ),
    Case(
        "exchanges:application_step",
        {**SEES_APPLICATION, "coordinator": 302, "other_coordinator": 302, "efus_staff": 302},
        method="post",
        kwargs=step("decline", ApplicationStatus.ENDORSED),
        data={"decline-message": "No budget this year."},
        state=application_status,
        id="post:decline",
    ),
    Case(
        "exchanges:evaluate",
        {**SEES_APPLICATION, "member": 302, "other_coordinator": 302},
        method="post",
        kwargs=completed,
        data={"overall": "5", "usefulness": "4", "organisation": "4", "comments": "Great."},
        state=evaluation_count,
    ),
    Case(
        "exchanges:report",
        {**SEES_APPLICATION, "member": 302},
        method="post",
        kwargs=completed,
        data={"observed": "Desks.", "bring_home": "A desk.", "consent_practice": "on"},
        state=report_row,
    ),
    Case(
        "exchanges:report_practice",
        {**SEES_APPLICATION, "coordinator": 302, "efus_staff": 302},
        method="post",
        kwargs=approved_report,
        state=report_practice,
    ),
    Case(
        "exchanges:report_attach",
        {**SEES_APPLICATION, "coordinator": 302, "efus_staff": 302},
        method="post",
        kwargs=approved_report,
        data=attach_data,
        state=report_practice,
        changes=("coordinator", "efus_staff"),
    ),
    Case(
        "exchanges:follow_up",
        {**SEES_APPLICATION, "member": 302},
        method="post",
        kwargs=completed,
        data={"answer": "We opened a tourist desk."},
        state=follow_up_row,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case,role", matrix_params(CASES))
def test_permission_matrix(case, role, request, client):
    run_case(case, role, request, client)
