"""Permission matrix of trainings (see tests/matrix.py): every URL, every role, and for each POST
its effect on the database.

Trainings are hosted by Nice: ``coordinator`` is the host's coordinator ("own city"),
``other_coordinator`` (Madrid) "other city". Registrations are the Nice ``member``'s. Outsiders
get 404; a reader who may see a training but not edit it gets 403 (STYLE.md §6).
"""

from __future__ import annotations

from typing import Any

import pytest

from moderation.models import Status, Visibility
from tests.accounts.factories import make_member
from tests.cities.factories import reference_body
from tests.files import pdf
from tests.matrix import Case, everyone, expect, matrix_params, run_case
from trainings import services
from trainings.models import Attendance, CalendarFeed, Registration, SeatAllocation, Training

from .factories import TrainingFactory, in_days

S = Registration.Status

HOSTS_ONLY = expect(404, coordinator=200, efus_staff=200)
COORDINATORS = expect(404, coordinator=200, other_coordinator=200, efus_staff=200)
TRAINING_FORM = {
    "title": "Crowd safety workshop",
    "kind": "workshop",
    "summary": "Half a day on crowd safety.",
    "format": "on_site",
    "languages": ["en"],
    "capacity": "20",
    "audience": "members",
    "time_zone": "Europe/Paris",
    "visibility": "public",
}


def published(request: Any) -> dict[str, Any]:
    return {"pk": TrainingFactory().pk}


def with_slug(request: Any) -> dict[str, Any]:
    training = TrainingFactory()
    return {"pk": training.pk, "slug": training.slug}


def police_only(request: Any) -> dict[str, Any]:
    training = TrainingFactory(visibility=Visibility.POLICE)
    return {"pk": training.pk, "slug": training.slug}


def draft(request: Any) -> dict[str, Any]:
    coordinator = request.getfixturevalue("coordinator")
    return {
        "pk": TrainingFactory(status=Status.DRAFT, published_at=None, created_by=coordinator).pk
    }


def session_of(request: Any) -> dict[str, Any]:
    training = TrainingFactory()
    return {"pk": training.pk, "session_pk": training.sessions.get().pk}


def material_of(request: Any, *, member_confirmed: bool) -> dict[str, Any]:
    training = TrainingFactory()
    if member_confirmed:
        services.registration_create(training=training, by=request.getfixturevalue("member"))
    material = services.material_add(
        training=training, by=request.getfixturevalue("efus_staff"), title="Slides", upload=pdf()
    )
    return {"pk": training.pk, "material_pk": material.pk}


def registration_of_member(request: Any, status: str = S.CONFIRMED) -> dict[str, Any]:
    member = request.getfixturevalue("member")
    if status == S.OFFERED:
        training = TrainingFactory(capacity=1)
        first = services.registration_create(training=training, by=make_member(member.body))
        registration = services.registration_create(training=training, by=member)
        services.registration_cancel(registration=first, by=first.user)
    elif status == S.REQUESTED:
        training = TrainingFactory(requires_approval=True)
        registration = services.registration_create(training=training, by=member)
    else:
        registration = services.registration_create(training=TrainingFactory(), by=member)
    registration.refresh_from_db()
    assert registration.status == status
    return {"pk": registration.pk}


def attended_registration(request: Any) -> dict[str, Any]:
    """The Nice ``member``'s registration for a training that took place, marked present."""
    member = request.getfixturevalue("member")
    training = TrainingFactory(sessions=[], registration_deadline=None)
    registration = services.registration_create(training=training, by=member)
    host = request.getfixturevalue("efus_staff")
    session = services.session_save(
        training=training, by=host, starts_at=in_days(-2, 9), ends_at=in_days(-2, 17)
    )
    services.attendance_mark(session=session, by=host, present={registration.pk})
    return {"pk": registration.pk}


def certificates_of_member(request: Any, kwargs: dict[str, Any], user: Any) -> int:
    from accounts.models import Certificate

    return Certificate.objects.filter(holder=request.getfixturevalue("member")).count()


def feed_token(request: Any) -> dict[str, Any]:
    return {"token": services.feed_for(request.getfixturevalue("member")).token}


# What each POST changes (tests/matrix.py): read before and after the request.


def registrations_of_user(request: Any, kwargs: dict[str, Any], user: Any) -> int:
    return Registration.objects.filter(user_id=getattr(user, "pk", None)).count()


def registration_status(request: Any, kwargs: dict[str, Any], user: Any) -> str:
    return Registration.objects.get(pk=kwargs["pk"]).status


def training_status(request: Any, kwargs: dict[str, Any], user: Any) -> str:
    return Training.objects.get(pk=kwargs["pk"]).status


def trainings_titled_like_the_form(request: Any, kwargs: dict[str, Any], user: Any) -> int:
    return Training.objects.filter(title=TRAINING_FORM["title"]).count()


def sessions_count(request: Any, kwargs: dict[str, Any], user: Any) -> int:
    return Training.objects.get(pk=kwargs["pk"]).sessions.count()


def seats_rows(request: Any, kwargs: dict[str, Any], user: Any) -> list[Any]:
    return list(SeatAllocation.objects.filter(training_id=kwargs["pk"]).values_list("seats"))


def materials_count(request: Any, kwargs: dict[str, Any], user: Any) -> int:
    return Training.objects.get(pk=kwargs["pk"]).materials.count()


def attendance_rows(request: Any, kwargs: dict[str, Any], user: Any) -> int:
    return Attendance.objects.filter(session_id=kwargs["session_pk"]).count()


def feed_of_user(request: Any, kwargs: dict[str, Any], user: Any) -> str | None:
    feed = CalendarFeed.objects.filter(user_id=getattr(user, "pk", None)).first()
    return feed.token if feed else None


def nice_registrations(request: Any, kwargs: dict[str, Any], user: Any) -> int:
    return Registration.objects.filter(training_id=kwargs["pk"]).count()


def nice_member_form(request: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {"member": make_member(reference_body("nice")).pk}


def session_form(request: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {"title": "Day 2", "starts_at": "2040-05-02T09:00", "ends_at": "2040-05-02T17:00"}


def seats_form(request: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {f"city_{reference_body('nice').city.pk}": "3"}


def attendance_form(request: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    training = Training.objects.get(pk=kwargs["pk"])
    registration = services.registration_create(
        training=training, by=make_member(reference_body("nice"))
    )
    return {"present": [registration.pk]}


def link_form(request: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {"title": "Recording", "url": "https://example.org/recording"}


REGISTERED = ("member", "coordinator", "other_coordinator", "efus_staff")

CASES = [
    # Reading
    Case("trainings:list", everyone(200)),
    Case("trainings:detail", everyone(200), kwargs=with_slug),
    Case(
        "trainings:detail",
        {
            **everyone(404),
            "member": 200,
            "coordinator": 200,
            "other_coordinator": 200,
            "efus_staff": 200,
        },
        kwargs=police_only,
        id="detail-police-only",
    ),
    Case("trainings:detail_short", everyone(301), kwargs=published),
    Case(
        "trainings:detail",
        expect(404, coordinator=200, efus_staff=200, anonymous=404),
        kwargs=lambda r: {**draft(r), "slug": Training.objects.latest("pk").slug},
        id="detail-draft",
    ),
    Case("trainings:ics", everyone(200), kwargs=published),
    Case("trainings:feed", everyone(200), kwargs=feed_token),
    # Registering
    Case(
        "trainings:register",
        expect(302),
        method="post",
        kwargs=published,
        data={"note": "Night unit"},
        state=registrations_of_user,
        changes=REGISTERED,
    ),
    Case("trainings:register", expect(405, anonymous=405), kwargs=published, id="get:register"),
    Case("trainings:mine", expect(200)),
    Case(
        "trainings:feed_renew",
        expect(302),
        method="post",
        state=feed_of_user,
        changes=("outsider", "pending_member", *REGISTERED),
    ),
    Case(
        "trainings:cancel",
        expect(404, member=302, coordinator=302, efus_staff=302),
        method="post",
        kwargs=registration_of_member,
        state=registration_status,
    ),
    Case(
        "trainings:offer_accept",
        expect(404, member=302),
        method="post",
        kwargs=lambda r: registration_of_member(r, S.OFFERED),
        state=registration_status,
    ),
    Case(
        "trainings:offer_decline",
        expect(404, member=302),
        method="post",
        kwargs=lambda r: registration_of_member(r, S.OFFERED),
        state=registration_status,
    ),
    Case("trainings:city", COORDINATORS),
    Case("trainings:participation", COORDINATORS),
    Case(
        "trainings:certificate",
        expect(404, member=302),
        method="post",
        kwargs=attended_registration,
        state=certificates_of_member,
    ),
    Case(
        "trainings:decide",
        expect(404, coordinator=302, efus_staff=302),
        method="post",
        kwargs=lambda r: registration_of_member(r, S.REQUESTED),
        data={"decision": "approve"},
        state=registration_status,
    ),
    # Hosting
    Case("trainings:create", COORDINATORS),
    Case(
        "trainings:create",
        expect(404, coordinator=302, other_coordinator=302, efus_staff=302),
        method="post",
        data=TRAINING_FORM,
        state=trainings_titled_like_the_form,
    ),
    Case("trainings:edit", expect(403, coordinator=200, efus_staff=200), kwargs=published),
    Case(
        "trainings:edit",
        expect(404, coordinator=200, efus_staff=200),
        kwargs=draft,
        id="edit-draft",
    ),
    Case(
        "trainings:submit",
        expect(404, coordinator=302, efus_staff=302),
        method="post",
        kwargs=draft,
        state=training_status,
    ),
    Case("trainings:sessions", HOSTS_ONLY, kwargs=published),
    Case(
        "trainings:sessions",
        expect(404, coordinator=302, efus_staff=302),
        method="post",
        kwargs=published,
        data=session_form,
        state=sessions_count,
    ),
    Case(
        "trainings:session_delete",
        expect(404, coordinator=302, efus_staff=302),
        method="post",
        kwargs=session_of,
        state=lambda r, k, u: Training.objects.get(pk=k["pk"]).sessions.count(),
    ),
    Case("trainings:seats", HOSTS_ONLY, kwargs=published),
    Case(
        "trainings:seats",
        expect(404, coordinator=302, efus_staff=302),
        method="post",
        kwargs=published,
        data=seats_form,
        state=seats_rows,
    ),
    Case("trainings:materials", HOSTS_ONLY, kwargs=published),
    Case(
        "trainings:materials",
        expect(404, coordinator=302, efus_staff=302),
        method="post",
        kwargs=published,
        data=link_form,
        state=materials_count,
    ),
    Case(
        "trainings:material",
        {**everyone(404), "coordinator": 200, "efus_staff": 200},
        kwargs=lambda r: material_of(r, member_confirmed=False),
    ),
    Case(
        "trainings:material",
        {**everyone(404), "member": 200, "coordinator": 200, "efus_staff": 200},
        kwargs=lambda r: material_of(r, member_confirmed=True),
        id="material-of-a-participant",
    ),
    Case(
        "trainings:material_delete",
        expect(404, coordinator=302, efus_staff=302),
        method="post",
        kwargs=lambda r: material_of(r, member_confirmed=False),
        state=materials_count,
    ),
    Case("trainings:register_member", COORDINATORS, kwargs=published),
    Case(
        "trainings:register_member",
        expect(404, coordinator=302, other_coordinator=200, efus_staff=302),
        method="post",
        kwargs=published,
        data=nice_member_form,
        state=nice_registrations,
    ),
    Case("trainings:participants", HOSTS_ONLY, kwargs=published),
    Case("trainings:participants_csv", HOSTS_ONLY, kwargs=published),
    Case("trainings:attendance", HOSTS_ONLY, kwargs=session_of),
    Case(
        "trainings:attendance",
        expect(404, coordinator=302, efus_staff=302),
        method="post",
        kwargs=session_of,
        data=attendance_form,
        state=attendance_rows,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case,role", matrix_params(CASES))
def test_permission_matrix(case, role, request, client):
    run_case(case, role, request, client)
