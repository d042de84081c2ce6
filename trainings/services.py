"""Writes on trainings: creating and editing them (through the moderation kit), their sessions,
materials and seats per city, and registrations with their waiting list.

**Seats.** Every write that can take or free a seat locks the training's row first
(``SELECT ... FOR UPDATE``, ``_lock``) and counts, under that lock, the confirmed and offered
registrations of the training and of the participant's city. Two people asking for the last seat
at once are served one after the other: the second one counts the first one's seat. The count is
stored in ``Training.seats_taken`` (a check constraint keeps it within the capacity) for the
catalogue's "has places" filter.

**Waiting list.** When the training is full, or the participant's city has used its seats, the
registration waits, in the order it arrived (``position``). Whenever a seat is freed (a
cancellation, an offer declined or expired, more capacity), ``_fill`` offers it to the first
waiting person whose city still has a seat, by email, with a deadline (``offer_deadline``); an
offer holds the seat until it is accepted, declined or expires (``offers_expire``, every few
minutes). So: a free seat and an eligible waiting person never coexist once a write is done.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.certificates import issue_certificate
from accounts.models import Certificate
from accounts.permissions import allowed
from cities.models import Body, City
from moderation.services import moderated_create, moderated_update
from pactesur.text import strip_control_characters
from pactesur.uploads import check_upload

from . import notifications
from .models import (
    Attendance,
    CalendarFeed,
    Material,
    Registration,
    SeatAllocation,
    Session,
    Training,
)
from .signals import trainings_changed

Status = Registration.Status

OFFER_TIME = dt.timedelta(days=3)
SHORTEST_OFFER = dt.timedelta(hours=2)
REMINDER_BEFORE = dt.timedelta(days=2)


# --- Trainings (moderated content) --------------------------------------------------------------


def host_body_for(by: Any) -> Body:
    """The body a new training is hosted by: the coordinator's, or the Efus body for staff."""
    if roles.has_coordinator_powers(by):
        return cast(Body, by.body)
    if roles.has_staff_powers(by):
        efus = Body.objects.filter(type=Body.Type.NETWORK_SECRETARIAT).select_related("city")
        body = by.body if by.body is not None and by.body.is_efus else efus.first()
        if body is not None:
            return cast(Body, body)
    raise PermissionDenied


def training_create(*, by: Any, data: dict[str, Any], is_demo: bool = False) -> Training:
    """A draft training hosted by the author's body (a city's, or Efus)."""
    body = host_body_for(by)
    training = moderated_create(
        model=Training, by=by, data=data, city=body.city, body=body, is_demo=is_demo
    )
    return cast(Training, training)


def training_update(*, training: Training, by: Any, data: dict[str, Any]) -> Training:
    """Edit in place, or propose an edit of a published training (``moderated_update``)."""
    return cast(Training, moderated_update(obj=training, by=by, data=data))


def _lock(training: Training) -> Training:
    """Lock the training's row until the transaction ends and read it again. The catalogue's
    cached renderings are told first (a round trip to the shared cache, again after the commit):
    a write under the lock may change the seats (``_store_count`` updates the row without
    signals), and the lock is held no longer than the database needs it."""
    trainings_changed()
    training.refresh_from_db(from_queryset=Training.objects.select_for_update())
    return training


def _require_host(training: Training, by: Any) -> None:
    if not allowed("trainings.host_training", by, training):
        raise PermissionDenied


# --- Sessions, seats per city, materials (the host's logistics) ---------------------------------


def _schedule(training: Training) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    return tuple(training.sessions.order_by("starts_at", "pk").values_list("starts_at", "ends_at"))


def _after_schedule_change(
    training: Training, before: tuple[tuple[dt.datetime, dt.datetime], ...]
) -> None:
    """Recompute the training's first start and last end; when the dates changed, bump the
    calendar SEQUENCE and tell the participants."""
    after = _schedule(training)
    training.first_start = after[0][0] if after else None
    training.last_end = max(end for _, end in after) if after else None
    fields = ["first_start", "last_end"]
    changed = bool(before) and before != after
    if changed:
        training.schedule_sequence += 1
        fields.append("schedule_sequence")
    training.save(update_fields=fields)
    if changed:
        notifications.dates_changed(training)


@transaction.atomic
def session_save(
    *,
    training: Training,
    by: Any,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    title: str = "",
    session: Session | None = None,
) -> Session:
    """Add a session (or change one) with aware start and end times."""
    _require_host(training, by)
    _lock(training)
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValueError("Sessions take aware datetimes.")
    if ends_at <= starts_at:
        raise ValidationError(_("A session ends after it starts."), code="order")
    before = _schedule(training)
    if session is None:
        session = Session(training=training)
    elif session.training_id != training.pk:
        raise PermissionDenied
    session.title = strip_control_characters(title or "", long_text=False)[:200]
    session.starts_at, session.ends_at = starts_at, ends_at
    session.save()
    _after_schedule_change(training, before)
    return session


@transaction.atomic
def session_delete(*, session: Session, by: Any) -> None:
    training = session.training
    _require_host(training, by)
    _lock(training)
    before = _schedule(training)
    session.delete()
    _after_schedule_change(training, before)


@transaction.atomic
def seats_set(*, training: Training, by: Any, seats: dict[int, int]) -> Training:
    """Set the seats reserved per city (city id → seats; 0 removes a city). The total may not
    exceed the capacity. Freed seats go to the waiting list."""
    _require_host(training, by)
    _lock(training)
    wanted = {city_id: n for city_id, n in seats.items() if n > 0}
    if sum(wanted.values()) > training.capacity:
        raise ValidationError(
            _("The seats per city add up to more than the capacity (%(capacity)s)."),
            code="too_many",
            params={"capacity": training.capacity},
        )
    SeatAllocation.objects.filter(training=training).exclude(city_id__in=wanted).delete()
    for city_id, n in wanted.items():
        SeatAllocation.objects.update_or_create(
            training=training, city_id=city_id, defaults={"seats": n}
        )
    _fill(training, timezone.now())
    return training


@transaction.atomic
def material_add(
    *,
    training: Training,
    by: Any,
    title: str,
    upload: UploadedFile | None = None,
    url: str = "",
) -> Material:
    """A file (checked by its content, as practice attachments are) or a link."""
    _require_host(training, by)
    title = strip_control_characters(title or "", long_text=False).strip()[:200]
    if bool(upload) == bool(url):
        raise ValidationError(_("Give a file or a link, not both."), code="file_or_link")
    material = Material(training=training, title=title, url=url, created_by=by)
    if upload is not None:
        material.content_type = check_upload(upload)
        material.size = upload.size or 0
        name = os.path.basename((upload.name or "").replace("\\", "/"))
        material.title = title or name[:200] or "file"
        material.file.save(name or "file", upload, save=False)
    elif not title:
        material.title = url[:200]
    material.save()
    return material


@transaction.atomic
def material_delete(*, material: Material, by: Any) -> None:
    _require_host(material.training, by)
    storage, name = material.file.storage, material.file.name
    material.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- Registration -------------------------------------------------------------------------------


def registration_refusal(
    training: Training,
    user: Any,
    now: dt.datetime | None = None,
    *,
    invited: set[int] | None = None,
) -> str:
    """Why ``user`` may not register for ``training`` now, in words ("" when they may).
    ``invited``: the ids of the cities with seats, when the caller has read them already."""
    if not getattr(user, "is_authenticated", False):
        return _("Sign in to register.")
    if not training.is_published:
        return _("This training is not open for registration.")
    membership = user.membership
    if training.audience != Training.Audience.PUBLIC:
        if membership is not None and membership.status == membership.Status.PENDING:
            return _(
                "Your membership is waiting for your coordinator's approval: you can register "
                "once it is approved."
            )
        if not roles.is_member(user):
            return _("This training is for members of the network.")
        if training.audience == Training.Audience.POLICE and not roles.is_police_reader(user):
            return _("This training is for members of police bodies.")
    closed = training.registration_closed_reason(now)
    if closed:
        return closed
    if invited is None:
        invited = set(training.seat_allocations.values_list("city_id", flat=True))
    city = user.city if roles.is_member(user) else None
    if invited and getattr(city, "pk", None) not in invited:
        return _("The seats of this training are reserved for invited cities; yours is not one.")
    return ""


def offer_deadline(training: Training, now: dt.datetime) -> dt.datetime:
    """How long a seat offered stays reserved: 3 days, or half the time left before the first
    session when that is shorter (at least 2 hours)."""
    time = OFFER_TIME
    if training.first_start is not None:
        time = min(time, max((training.first_start - now) / 2, SHORTEST_OFFER))
    return now + time


def _seats(training: Training) -> tuple[Counter[int | None], dict[int, int] | None]:
    """The seats held per city (confirmed and offered registrations) and the seats per city
    (city id → seats, or ``None`` when the training has none), in one query (the training is
    locked: this is read while other registrations wait)."""
    allocations = SeatAllocation.objects.filter(training=training).order_by()
    held = (
        Registration.objects.filter(training=training, status__in=Registration.HOLDING)
        .order_by()
        .values("city_id")
        .annotate(n=Count("pk"), held=Value(True))
        .values_list("city_id", "n", "held")
    )
    taken: Counter[int | None] = Counter()
    quota: dict[int, int] = {}
    rows = allocations.annotate(held=Value(False)).values_list("city_id", "seats", "held")
    for city_id, count, is_held in rows.union(held, all=True):
        if is_held:
            taken[city_id] = count
        else:
            quota[city_id] = count
    return taken, quota or None


def _seat_free(
    training: Training,
    city_id: int | None,
    taken: Counter[int | None],
    quota: dict[int, int] | None,
) -> bool:
    if sum(taken.values()) >= training.capacity:
        return False
    if quota is None:
        return True
    return city_id is not None and taken[city_id] < quota.get(city_id, 0)


def _store_count(training: Training, taken: Counter[int | None]) -> None:
    """Store the seat count and the waiting list's counter (one ``UPDATE``, under the lock, with no
    signal: the catalogue's cached renderings were told before the lock was taken, ``_lock``)."""
    training.seats_taken = sum(taken.values())
    fields: dict[str, Any] = {
        "seats_taken": training.seats_taken,
        "next_position": training.next_position,
    }
    if not training.venue_notified:  # what the first participants are told
        training.venue_notified = training.venue_text
        fields["venue_notified"] = training.venue_notified
    Training.objects.filter(pk=training.pk).update(**fields)


def _place(registration: Registration, training: Training, now: dt.datetime) -> None:
    """Confirm a registration when there is a seat for its city, else put it on the waiting list
    (the training is locked)."""
    taken, quota = _seats(training)
    if _seat_free(training, registration.city_id, taken, quota):
        registration.status = Status.CONFIRMED
        registration.position = None
        taken[registration.city_id] += 1
    else:
        registration.status = Status.WAITLISTED
        registration.position = training.next_position
        training.next_position += 1
    registration.updated_at = now
    registration.save()
    _store_count(training, taken)


def _fill(training: Training, now: dt.datetime) -> list[Registration]:
    """Offer every free seat to the first waiting person whose city still has one (the training
    is locked). Nothing is offered once the training has started."""
    taken, quota = _seats(training)
    offered: list[Registration] = []
    if training.first_start is not None and now >= training.first_start:
        _store_count(training, taken)
        return offered
    for registration in Registration.objects.filter(training=training).waiting():
        if sum(taken.values()) >= training.capacity:
            break
        if not _seat_free(training, registration.city_id, taken, quota):
            continue
        registration.status = Status.OFFERED
        registration.offer_expires_at = offer_deadline(training, now)
        registration.updated_at = now
        registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
        taken[registration.city_id] += 1
        offered.append(registration)
        notifications.registration_changed(registration, "offered")
    _store_count(training, taken)
    return offered


@transaction.atomic
def registration_create(
    *, training: Training, by: Any, member: Any = None, note: str = ""
) -> Registration:
    """Register ``by`` (or, for a coordinator, a ``member`` of their city) for the training:
    confirmed when there is a seat, on the waiting list when not, or waiting for the member's
    coordinator when the training needs their approval (not when the coordinator registers).
    Refused with a clear message (``ValidationError``) otherwise."""
    participant = member if member is not None else by
    if member is not None and member != by:
        if not allowed("trainings.register_others", by):
            raise PermissionDenied
        if not roles.has_staff_powers(by) and participant.city != by.city:
            raise PermissionDenied
    # What does not change under the lock is read before it (the person's membership, the
    # invited cities): the training's row is held for as short a time as possible.
    invited = set(training.seat_allocations.values_list("city_id", flat=True))
    refusal = registration_refusal(training, participant, invited=invited)
    if refusal:
        raise ValidationError(refusal, code="refused")
    city = participant.city if roles.is_member(participant) else None
    now = timezone.now()
    _lock(training)
    refusal = registration_refusal(training, participant, now, invited=invited)  # as it is now
    if refusal:
        raise ValidationError(refusal, code="refused")
    if training.next_position > 1 and training.seats_taken < training.capacity:
        # Seats freed by a change the waiting list did not hear of (the capacity raised through
        # moderation): those waiting get them first.
        _fill(training, now)
    registration = Registration(
        training=training,
        user=participant,
        city=city,
        note=strip_control_characters(note or "").strip()[:1000],
        registered_by=by,
        created_at=now,
    )
    approved = member is not None or roles.coordinates(participant, city)
    duplicate = ValidationError(
        _("%(name)s is already registered for this training.")
        % {"name": participant.full_name or participant.email},
        code="duplicate",
    )
    # One open registration per person: the constraint decides. No savepoint: the error ends
    # this transaction (``registration_create`` is atomic), and a savepoint costs two round trips
    # while the row is locked.
    try:
        if training.requires_approval and not approved and city is not None:
            registration.status = Status.REQUESTED
            registration.updated_at = now
            registration.save()
        else:
            _place(registration, training, now)
    except IntegrityError:  # the same person twice at once
        raise duplicate from None
    notifications.registration_changed(registration, registration.status)
    if registration.status == Status.REQUESTED:
        notifications.approval_requested(registration)
    return registration


@transaction.atomic
def registration_decide(*, registration: Registration, by: Any, approve: bool) -> Registration:
    """The participant's coordinator approves (then seat or waiting list) or declines."""
    if not allowed("trainings.decide_registration", by, registration):
        raise PermissionDenied
    training = _lock(registration.training)
    registration.refresh_from_db()
    if registration.status != Status.REQUESTED:
        raise ValidationError(_("This registration was already decided."), code="state")
    now = timezone.now()
    registration.decided_by = by
    if approve:
        _place(registration, training, now)
        notifications.registration_changed(registration, "approved")
    else:
        registration.status = Status.DECLINED
        registration.updated_at = now
        registration.save()
        notifications.registration_changed(registration, Status.DECLINED)
    return registration


def _may_cancel(by: Any, registration: Registration) -> bool:
    return bool(
        registration.user_id == getattr(by, "pk", None)
        or allowed("trainings.host_training", by, registration.training)
        or allowed("trainings.decide_registration", by, registration)
    )


@transaction.atomic
def registration_cancel(*, registration: Registration, by: Any) -> Registration:
    """Cancel a registration (the participant, their coordinator or the host): a seat it held
    is offered to the next eligible waiting person."""
    if not _may_cancel(by, registration):
        raise PermissionDenied
    training = _lock(registration.training)
    registration.refresh_from_db()
    if registration.status not in Registration.OPEN:
        raise ValidationError(_("This registration is no longer open."), code="state")
    _cancel(registration, training)
    notifications.registration_changed(registration, Status.CANCELLED)
    return registration


def _cancel(registration: Registration, training: Training) -> None:
    """Cancel an open registration (the training is locked) and pass its seat on."""
    now = timezone.now()
    registration.status = Status.CANCELLED
    registration.offer_expires_at = None
    registration.updated_at = now
    registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
    _fill(training, now)


@transaction.atomic
def offer_answer(*, registration: Registration, by: Any, accept: bool) -> Registration:
    """The person a seat is offered to takes it, or lets it go to the next."""
    if registration.user_id != getattr(by, "pk", None):
        raise PermissionDenied
    training = _lock(registration.training)
    registration.refresh_from_db()
    now = timezone.now()
    if registration.status != Status.OFFERED or (
        registration.offer_expires_at is not None and registration.offer_expires_at <= now
    ):
        raise ValidationError(_("This offer is no longer open."), code="state")
    registration.offer_expires_at = None
    registration.updated_at = now
    if accept:
        registration.status = Status.CONFIRMED
        registration.position = None
        registration.save(update_fields=["status", "offer_expires_at", "position", "updated_at"])
        notifications.registration_changed(registration, Status.CONFIRMED)
    else:
        registration.status = Status.DECLINED
        registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
        _fill(training, now)
    return registration


def registrations_release(user: Any) -> None:
    """Before an account is deleted: cancel its open registrations, each seat passed on to the
    waiting list (``accounts.services.register_before_delete``)."""
    open_ = Registration.objects.filter(user=user, status__in=Registration.OPEN)
    for registration in open_.select_related("training"):
        training = _lock(registration.training)
        registration.refresh_from_db()
        if registration.status in Registration.OPEN:
            _cancel(registration, training)


def offers_expire(now: dt.datetime | None = None) -> int:
    """Expire the offers whose deadline passed and pass each seat on; also offer the seats left
    free while people wait (the capacity raised through moderation, which does not know of the
    waiting list). One transaction per training. Returns how many offers expired."""
    now = now or timezone.now()
    due = set(
        Registration.objects.filter(status=Status.OFFERED, offer_expires_at__lte=now)
        .values_list("training_id", flat=True)
        .distinct()
    )
    waiting = Registration.objects.filter(training=OuterRef("pk"), status=Status.WAITLISTED)
    due |= set(
        Training.objects.filter(seats_taken__lt=F("capacity"), first_start__gt=now)
        .filter(Exists(waiting))
        .values_list("pk", flat=True)
    )
    expired = 0
    for training_id in sorted(due):
        with transaction.atomic():
            trainings_changed()  # the seats change without signals (``_store_count``)
            training = Training.objects.select_for_update().get(pk=training_id)
            rows = list(
                Registration.objects.filter(
                    training=training, status=Status.OFFERED, offer_expires_at__lte=now
                )
            )
            for registration in rows:
                registration.status = Status.EXPIRED
                registration.updated_at = now
                registration.save(update_fields=["status", "updated_at"])
                notifications.registration_changed(registration, Status.EXPIRED)
            expired += len(rows)
            _fill(training, now)
    return expired


def venue_changes_notify(now: dt.datetime | None = None) -> int:
    """Tell the participants of upcoming trainings whose venue or link changed since they were
    told (a published edit goes through moderation, which does not know of participants): one
    email each per change. Returns how many trainings changed."""
    now = now or timezone.now()
    changed = 0
    candidates = Training.objects.published().filter(last_end__gte=now).exclude(venue_notified="")
    for training_id in list(candidates.values_list("pk", flat=True)):
        with transaction.atomic():
            training = Training.objects.select_for_update().get(pk=training_id)
            if training.venue_notified == training.venue_text:
                continue
            training.venue_notified = training.venue_text
            training.save(update_fields=["venue_notified"])
            notifications.venue_changed(training)
            changed += 1
    return changed


def reminders_send(now: dt.datetime | None = None) -> int:
    """Remind the confirmed participants of trainings starting within two days (once each:
    the outbox's key)."""
    now = now or timezone.now()
    trainings = Training.objects.published().filter(
        first_start__gt=now, first_start__lte=now + REMINDER_BEFORE
    )
    sent = 0
    for training in trainings:
        with transaction.atomic():
            sent += notifications.reminder(training)
    return sent


# --- Attendance ---------------------------------------------------------------------------------


@transaction.atomic
def attendance_mark(*, session: Session, by: Any, present: set[int]) -> int:
    """Record who was present at a session (registration ids; the others, absent)."""
    training = session.training
    _require_host(training, by)
    confirmed = list(
        Registration.objects.filter(training=training, status=Status.CONFIRMED).values_list(
            "pk", flat=True
        )
    )
    now = timezone.now()
    for registration_id in confirmed:
        Attendance.objects.update_or_create(
            session=session,
            registration_id=registration_id,
            defaults={"present": registration_id in present, "marked_by": by, "marked_at": now},
        )
    return len([pk for pk in confirmed if pk in present])


# --- Calendar feeds -----------------------------------------------------------------------------


def feed_for(user: Any) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def feed_renew(*, user: Any) -> CalendarFeed:
    """A new secret address for the member's feed: the old one answers 404 from now on."""
    CalendarFeed.objects.filter(user=user).delete()
    return CalendarFeed.objects.create(user=user)


def city_of(user: Any) -> City | None:
    return cast("City | None", user.city if roles.is_member(user) else None)


# --- Certificates (accounts.certificates) ------------------------------------------------------


def attended_sessions(registration: Registration) -> list[Session]:
    return [
        a.session
        for a in Attendance.objects.filter(registration=registration, present=True)
        .select_related("session")
        .order_by("session__starts_at")
    ]


@transaction.atomic
def certificate_issue(*, registration: Registration, by: Any) -> Certificate:
    """The participant's certificate (issued once; the same one afterwards): only for a
    confirmed participant marked present at one session at least, once the training has ended.
    It says the training's dates and the hours of the sessions attended."""
    if registration.user_id != getattr(by, "pk", None):
        raise PermissionDenied
    training = registration.training
    sessions = attended_sessions(registration)
    if registration.status != Status.CONFIRMED or not sessions:
        raise ValidationError(
            _("A certificate is for participants the host marked present."), code="not_attended"
        )
    if not training.is_past:
        raise ValidationError(
            _("Certificates are issued once the training has ended."), code="not_ended"
        )
    zone = training.tz
    assert training.first_start is not None and training.last_end is not None
    hours = sum((Decimal(str(round(s.hours, 2))) for s in sessions), Decimal("0"))
    return issue_certificate(
        holder=registration.user,
        source=registration,
        kind=Training.Kind(training.kind).label,
        title=training.title,
        host=f"{training.body.name}, {training.city.name}",
        start=training.first_start.astimezone(zone).date(),
        end=training.last_end.astimezone(zone).date(),
        hours=hours,
    )
