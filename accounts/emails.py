"""The email outbox: the one way every email leaves the platform.

**Queueing.** Code that causes an email calls ``queue()`` inside its transaction (from an app's
``notifications.py``, never from a view)::

    emails.queue("membership_decided", to=membership.user, about=membership,
                 occasion=f"{event}:{membership.decided_at.isoformat()}",
                 context={"membership": membership, "event": event})

This writes one ``OutboundEmail`` row, in the caller's transaction. Its key (kind, ``about``,
recipient, ``occasion``) is unique: queueing the same email again is a no-op (``None``). The
recipient is a ``User`` (the email is written in ``user.language`` when it is sent) or a bare
address, with ``language``. The context is kept as JSON; model instances in it are stored as
references and loaded again at send time, so callers pass objects naturally. The templates are
the usual three (``templates/emails/<template>_subject.txt``, ``.txt``, ``.html``, see
``render_email``); ``template`` defaults to the kind. Inside ``muted()`` nothing is queued
(``seed_demo``).

**Sending.** When the transaction commits, the new rows are handed to the broker as
``accounts.tasks.send_emails`` tasks (at most ``BATCH_SIZE`` rows each). A broker that is down or
slow never fails the request: the error is logged and the rows wait for the sweep
(``accounts.tasks.sweep_emails``, every minute in ``pactesur/celery.py``), which sends every due
row. With no broker (``CELERY_TASK_ALWAYS_EAGER``, the laptop default) both run in-process right
after the commit. A sender *claims* its rows under a lock (``select_for_update(skip_locked=True)``)
by moving their ``next_attempt_at`` past the longest a task may live (the lease), so a duplicated
or redelivered task finds nothing to send. It loads the objects the batch's contexts refer to at
once (one query per model), renders each row in its recipient's language (rows that share a
rendering, below, once), sends the batch over one SMTP connection, and marks each row sent in its
own commit as soon as the server accepts it (one statement, see ``_finish``), dropping its
context (tokens in allauth links must not stay in the database).
Temporary errors (connection refused, timeouts, 4xx) are retried ``MAX_ATTEMPTS`` times with
backoff; permanent ones (5xx, a refused recipient) fail the row at once, with the reason. Each row
has a ``Message-ID`` made when it is queued, sent with every attempt.

Delivery is at least once: a worker killed after the server accepted a message and before the
row is marked sent sends it again after the lease, with the same ``Message-ID`` (README,
"Delivery guarantees").

**Kinds.** A kind that needs more at send time registers hooks, from its app's
``notifications.py`` (every installed app's is imported at start-up)::

    emails.register("digest", prepare=prepare_digests, headers=unsubscribe_headers)

``context(email, context)`` returns the context to render with (loaded references included), or
``None`` when the email is no longer wanted (the row is cancelled). Instead of it, a kind sent
in bulk gives ``prepare(emails, contexts)``, called once for the batch's rows of that kind: it
returns for each row ``None`` or a ``Prepared`` (the context; a ``shared`` key: rows with the
same key, template and language are rendered once, the rendering kept in the process under that
key; the row's ``personal`` values, such as signed links, and its ``parts``, pieces it rendered
beforehand, ``Part``, such as a digest's items, filled into the shared rendering).
``headers(email, context)`` returns extra headers (``List-Unsubscribe``...);
``finished(email, status, error)`` runs in the transaction that records a row's outcome (sent,
failed or cancelled), with the row's context as it was queued; ``on_sent(email)`` returns an
update, ``(queryset, values)``, made in the very statement that marks the row sent (then
``finished`` is not called for a sent row): the digest moves its subscriber's next period on
that way. The outbox itself never changes for a new kind.

**Many at once.** ``queue_many()`` writes many rows of one kind in a few statements, skipping
those already queued (the digest's weekly run: one row per subscriber and period).

**HTML.** An HTML template may carry a ``<style>`` element: its rules are inlined into the
elements' ``style`` attributes when the email is rendered (css-inline), as mail clients want.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
import smtplib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from email.utils import make_msgid, parseaddr
from typing import Any
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape

from .models import OutboundEmail, User

logger = logging.getLogger(__name__)

BATCH_SIZE = 100  # rows per task and per SMTP connection
MAX_ATTEMPTS = 10  # then the row fails with the last error (about 4 hours of retries)
FIRST_RETRY = 60  # seconds; doubled at each attempt...
LONGEST_RETRY = 3600  # ...up to this


# --- Rendering ------------------------------------------------------------------------------------


def _template_names(name: str) -> tuple[str, str, str]:
    if "/" in name:  # allauth's layout: account/email/<name>_subject.txt, _message.txt, .html
        return f"{name}_subject.txt", f"{name}_message.txt", f"{name}_message.html"
    return f"emails/{name}_subject.txt", f"emails/{name}.txt", f"emails/{name}.html"


def render_email(
    name: str,
    context: Mapping[str, Any],
    *,
    language: str | None = None,
    parts: Mapping[str, Part] | None = None,
) -> tuple[str, str, str]:
    """Return (subject, text, html) for the named email, in ``language``.

    ``templates/emails/<name>_subject.txt``, ``<name>.txt`` and ``<name>.html``, with ``site_url``
    and ``LANGUAGE_CODE`` in the context; allauth's emails (``account/email/<name>``) keep
    allauth's file names. An email without an HTML template has an empty ``html``. ``parts``
    are pieces rendered beforehand (``Part``), each filled in where the templates show its name.
    """
    if parts:
        marks = _marks(sorted(parts))
        rendered = render_email(name, {**context, **marks}, language=language)
        return _fill(rendered, marks, {}, parts)
    language = language or settings.LANGUAGE_CODE
    ctx = {"site_url": settings.SITE_URL, "LANGUAGE_CODE": language, **context}
    subject_name, text_name, html_name = _template_names(name)
    with translation.override(language):
        subject = render_to_string(subject_name, ctx).strip()
        text = render_to_string(text_name, ctx)
        html: str
        try:
            html = render_to_string(html_name, ctx)
        except TemplateDoesNotExist:
            logger.warning("Email %s has no HTML template (%s): text only", name, html_name)
            html = ""
    if "<style" in html:
        html = _inline_css(html)
    return " ".join(subject.split()), text, html


def _inline_css(html: str) -> str:
    """Move the rules of the ``<style>`` elements into ``style`` attributes (mail clients drop
    or ignore style sheets); ``@media`` rules stay in a ``<style>`` element."""
    import css_inline

    return css_inline.CSSInliner(keep_at_rules=True).inline(html)


def inline_css_fragment(html: str, css: str) -> str:
    """``_inline_css`` for a piece of a message rendered apart (a ``Part``), with the message's
    style sheet: the same ``style`` attributes as if it had been inlined in the whole message
    (for rules that do not depend on the piece's ancestors)."""
    import css_inline

    return str(css_inline.inline_fragment(html, css))


@dataclass(frozen=True)
class Part:
    """A piece of a message rendered beforehand, shared by many messages (a digest's items):
    its text for the text part (and the subject), its HTML, styles already inlined, for the HTML
    part. Filled in as it is, where a template shows its name (``{{ name }}``, no filter)."""

    text: str
    html: str


def _fill(
    rendered: tuple[str, str, str],
    marks: Mapping[str, str],
    personal: Mapping[str, str],
    parts: Mapping[str, Part],
) -> tuple[str, str, str]:
    """A rendering made with ``marks`` in place of the personal values and parts, filled in."""
    subject, text, html = rendered
    for name, mark in marks.items():
        if name in parts:
            part = parts[name]
            subject = subject.replace(mark, part.text)
            text = text.replace(mark, part.text)
            html = html.replace(mark, part.html)
        else:
            value = personal[name]
            subject = subject.replace(mark, value)
            text = text.replace(mark, value)
            html = html.replace(mark, escape(value))
    return subject, text, html


# --- Kinds ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """What a ``prepare`` hook gives for one row: the context to render with, a key under which
    rows with the same key (and template and language) are rendered once, and the row's own
    values (``personal``: signed links...), filled into that shared rendering. The key must
    stand for everything the context shows (a digest of its content): renderings are kept in
    the process across batches under it. A template must show a personal value as it is
    (``{{ name }}``), never through a filter. ``parts``: pieces rendered beforehand (``Part``),
    filled in the same way (the key need not stand for them): a rendering shared by rows that
    differ only by their parts (a digest's frame, its items being parts)."""

    context: dict[str, Any]
    shared: Hashable | None = None
    personal: Mapping[str, str] = dataclass_field(default_factory=dict)
    parts: Mapping[str, Part] = dataclass_field(default_factory=dict)


ContextHook = Callable[[OutboundEmail, dict[str, Any]], dict[str, Any] | None]
PrepareHook = Callable[[Sequence[OutboundEmail], Sequence[dict[str, Any]]], list[Prepared | None]]
HeadersHook = Callable[[OutboundEmail, dict[str, Any]], dict[str, str]]
FinishedHook = Callable[[OutboundEmail, str, str], None]
SentHook = Callable[[OutboundEmail], tuple[models.QuerySet[Any], dict[str, Any]]]


@dataclass(frozen=True)
class Kind:
    context: ContextHook | None = None
    prepare: PrepareHook | None = None
    headers: HeadersHook | None = None
    finished: FinishedHook | None = None
    on_sent: SentHook | None = None


_kinds: dict[str, Kind] = {}


def register(
    kind: str,
    *,
    context: ContextHook | None = None,
    prepare: PrepareHook | None = None,
    headers: HeadersHook | None = None,
    finished: FinishedHook | None = None,
    on_sent: SentHook | None = None,
) -> None:
    """Give a kind of email its send-time hooks (see the module's docstring)."""
    if context is not None and prepare is not None:
        raise ValueError("A kind has a context hook or a prepare hook, not both.")
    _kinds[kind] = Kind(
        context=context, prepare=prepare, headers=headers, finished=finished, on_sent=on_sent
    )


# --- Queueing -------------------------------------------------------------------------------------

_muted: ContextVar[bool] = ContextVar("outbox_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """Queue nothing inside this block (demo data: its addresses are not real people's)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


class Gone(Exception):
    """An object the context refers to no longer exists."""


def _dump(value: Any) -> Any:
    """JSON for a context value: model instances become references, loaded again by ``_load``."""
    if isinstance(value, models.Model):
        if value.pk is None:
            raise TypeError(f"An unsaved {type(value).__name__} cannot go in an email's context.")
        return {"__model__": value._meta.label_lower, "pk": value.pk}
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, dt.datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, dt.date):
        return {"__date__": value.isoformat()}
    if isinstance(value, list | tuple):
        return [_dump(v) for v in value]
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        return {k: _dump(v) for k, v in value.items()}
    raise TypeError(
        f"{type(value).__name__} cannot go in an email's context: pass a model instance, "
        "a string, a number, a date or a list or dict of these."
    )


def _references(value: Any, found: dict[str, set[Any]]) -> None:
    """Collect the model references of a dumped context, by model."""
    if isinstance(value, list):
        for v in value:
            _references(v, found)
    elif isinstance(value, dict):
        if set(value) == {"__model__", "pk"}:
            found.setdefault(value["__model__"], set()).add(value["pk"])
        else:
            for v in value.values():
                _references(v, found)


def _load(value: Any, loaded: Mapping[tuple[str, Any], models.Model] | None = None) -> Any:
    """A dumped context with its references loaded (from ``loaded``, else one query each)."""
    if isinstance(value, list):
        return [_load(v, loaded) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"__model__", "pk"}:
        if loaded is not None:
            instance = loaded.get((value["__model__"], value["pk"]))
            if instance is None:
                raise Gone(f"{value['__model__']} {value['pk']} no longer exists")
            return instance
        model = apps.get_model(value["__model__"])
        try:
            return model._default_manager.get(pk=value["pk"])
        except model.DoesNotExist:
            raise Gone(f"{value['__model__']} {value['pk']} no longer exists") from None
    if set(value) == {"__datetime__"}:
        return dt.datetime.fromisoformat(value["__datetime__"])
    if set(value) == {"__date__"}:
        return dt.date.fromisoformat(value["__date__"])
    return {k: _load(v, loaded) for k, v in value.items()}


def _load_many(dumped: Sequence[Any]) -> list[Any]:
    """Load the contexts of a batch: one query per model referred to, whatever the number of
    rows. A context whose object is gone is a ``Gone`` (the exception) in the list."""
    found: dict[str, set[Any]] = {}
    for value in dumped:
        _references(value, found)
    loaded: dict[tuple[str, Any], models.Model] = {}
    for label, pks in found.items():
        model = apps.get_model(label)
        for pk, instance in model._default_manager.in_bulk(list(pks)).items():
            loaded[(label, pk)] = instance
    result: list[Any] = []
    for value in dumped:
        try:
            result.append(_load(value, loaded))
        except Gone as exc:
            result.append(exc)
    return result


def supported_language(code: str | None) -> str:
    """The site's language closest to ``code`` ("fr-be" gives "fr"), else the default."""
    try:
        return translation.get_supported_language_variant(code or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def _message_id() -> str:
    """A new Message-ID on the sender's domain (DEFAULT_FROM_EMAIL's, else SITE_URL's host)."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    domain = address.rpartition("@")[2] or urlsplit(settings.SITE_URL).hostname or "localhost"
    return make_msgid(domain=domain)


def queue(
    kind: str,
    *,
    to: User | str,
    about: models.Model | None = None,
    occasion: str = "",
    context: Mapping[str, Any] | None = None,
    template: str = "",
    language: str = "",
) -> OutboundEmail | None:
    """Write an email to send after the current transaction commits (see the module's docstring).

    Returns the new row, or ``None`` when this email (same kind, object, recipient and occasion)
    was already queued, or inside ``muted()``.
    """
    if _muted.get():
        return None
    if isinstance(to, User):
        user: User | None = to
        address, language = to.email, to.language
    else:
        user, address = None, to
    address = address.strip().lower()
    if not address:
        return None
    email = OutboundEmail(
        kind=kind,
        about=f"{about._meta.label_lower}:{about.pk}" if about is not None else "",
        recipient=address,
        occasion=occasion,
        user=user,
        language=supported_language(language or translation.get_language()),
        template=template or kind,
        context=_dump(dict(context or {})),
        message_id=_message_id(),
    )
    for field in ("kind", "about", "occasion"):
        limit = getattr(OutboundEmail._meta.get_field(field), "max_length", 0)
        if len(getattr(email, field)) > limit:
            raise ValueError(f"An email's {field} is {limit} characters at most.")
    try:
        with transaction.atomic():
            email.save()
    except IntegrityError:
        if not OutboundEmail.objects.filter(
            kind=email.kind, about=email.about, recipient=email.recipient, occasion=occasion
        ).exists():
            raise
        return None  # queued already: this call is a repeat
    _new_ids().append(email.pk)
    transaction.on_commit(_hand_over)
    return email


@dataclass(frozen=True)
class Outgoing:
    """One email of a ``queue_many()`` call: its recipient, object, occasion and context."""

    to: str
    about: models.Model | None = None
    occasion: str = ""
    context: Mapping[str, Any] | None = None
    language: str = ""


def queue_many(kind: str, outgoing: Sequence[Outgoing], *, template: str = "") -> list[int]:
    """Queue many emails of one kind in a few statements (the same as ``queue()`` for each, in
    the caller's transaction); those already queued (same key) are skipped. Returns the ids of
    the new rows, handed over after commit like ``queue()``'s."""
    if _muted.get() or not outgoing:
        return []
    rows = []
    for item in outgoing:
        address = item.to.strip().lower()
        if not address:
            continue
        rows.append(
            OutboundEmail(
                kind=kind,
                about=f"{item.about._meta.label_lower}:{item.about.pk}" if item.about else "",
                recipient=address,
                occasion=item.occasion,
                language=supported_language(item.language or translation.get_language()),
                template=template or kind,
                context=_dump(dict(item.context or {})),
                message_id=_message_id(),
            )
        )
    ids: list[int] = []
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        OutboundEmail.objects.bulk_create(chunk, ignore_conflicts=True)
        ids.extend(
            OutboundEmail.objects.filter(
                message_id__in=[row.message_id for row in chunk]
            ).values_list("pk", flat=True)
        )
    ids.sort()
    if ids:
        _new_ids().extend(ids)
        transaction.on_commit(_hand_over)
    return ids


# Rows queued by this thread since the last hand-over; the first on_commit callback of a commit
# takes them all, so a transaction that queues many rows publishes one task per BATCH_SIZE rows.
_local = threading.local()


def _new_ids() -> list[int]:
    if not hasattr(_local, "ids"):
        _local.ids = []
    ids: list[int] = _local.ids
    return ids


def _hand_over() -> None:
    """After commit: give the new rows to the broker, or send them here when there is none.

    Never raises: a row that is not handed over now is sent by the sweep.
    """
    ids, _local.ids = _new_ids(), []
    if not ids:
        return
    from celery import current_app

    if current_app.conf.task_always_eager:
        try:
            for start in range(0, len(ids), BATCH_SIZE):
                send_batch(ids[start : start + BATCH_SIZE])
            send_due()  # no beat without a broker: retry what is due now
        except Exception:
            logger.exception("Sending %d queued emails failed; they stay queued", len(ids))
        return
    try:
        for start in range(0, len(ids), BATCH_SIZE):
            current_app.send_task(
                "accounts.tasks.send_emails",
                args=[ids[start : start + BATCH_SIZE]],
                ignore_result=True,  # send_task would otherwise ask the result backend, if any
            )
    except Exception as exc:  # the broker is down or slow: its timeouts are bounded in settings
        logger.warning(
            "Could not hand %d queued emails to the broker (%s); the sweep will send them",
            len(ids),
            exc,
        )


# --- Sending --------------------------------------------------------------------------------------


def _lease() -> dt.timedelta:
    """How long a claimed row is left to its sender: longer than any task may run."""
    return dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 10)


def _budget() -> float:
    """Seconds a sender goes on starting new messages: half the task's time limit."""
    return settings.CELERY_TASK_TIME_LIMIT / 2


def _claim(ids: Sequence[int] | None) -> list[OutboundEmail]:
    """Take up to ``BATCH_SIZE`` due rows (among ``ids`` if given) for this sender, under a
    lock."""
    now = timezone.now()
    with transaction.atomic():
        due = OutboundEmail.objects.due(now)
        if ids is not None:
            due = due.filter(pk__in=ids)
        claimed = list(
            due.select_for_update(skip_locked=True)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:BATCH_SIZE]
        )
        OutboundEmail.objects.filter(pk__in=claimed).update(
            next_attempt_at=now + _lease(), last_attempt_at=now, attempts=F("attempts") + 1
        )
    return list(OutboundEmail.objects.filter(pk__in=claimed).select_related("user").order_by("pk"))


def _finish(email: OutboundEmail, status: str, error: str = "") -> None:
    """Record the outcome of a claimed row, in its own commit, and drop its context.

    Between the server's acceptance and this commit, a sender that dies sends the row again
    later: the commit is kept as short as it can be. A row sent is marked in one statement, in
    autocommit, written to the database right after the server's answer (with its kind's
    ``on_sent`` update in the same statement, on PostgreSQL), and the commit does not wait for
    the disk (``synchronous_commit`` off while a batch is sent, on PostgreSQL): a crash of the
    *database* in the next fraction of a second could lose the mark, and the email would go
    again, with the same Message-ID; a crash of the worker loses nothing once the statement is
    on its way.
    """
    kind = _kinds.get(email.kind, Kind())
    if status == OutboundEmail.Status.SENT and kind.on_sent is not None:
        _mark_sent(email, *kind.on_sent(email))
        return
    values: dict[str, Any] = {"status": status, "context": {}, "error": error[:2000]}
    if status == OutboundEmail.Status.SENT:
        values["sent_at"] = timezone.now()
    with transaction.atomic():
        changed = OutboundEmail.objects.filter(
            pk=email.pk, status=OutboundEmail.Status.PENDING
        ).update(**values)
        if changed and kind.finished is not None:
            kind.finished(email, status, values["error"])


def _update_sql(queryset: models.QuerySet[Any], values: dict[str, Any]) -> tuple[str, Any]:
    """The SQL of ``queryset.update(**values)``, not run."""
    from django.db.models.sql.subqueries import UpdateQuery

    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)  # type: ignore[attr-defined]
    query.annotations = {}
    sql, params = query.get_compiler(queryset.db).as_sql()
    return sql, params


def _mark_sent(
    email: OutboundEmail, queryset: models.QuerySet[Any], values: dict[str, Any]
) -> None:
    """Mark a row sent and make its kind's ``on_sent`` update, atomically: on PostgreSQL one
    statement (a data-modifying ``WITH``), one round trip; elsewhere a short transaction."""
    now = timezone.now()
    if connection.vendor != "postgresql":
        with transaction.atomic():
            if OutboundEmail.objects.filter(
                pk=email.pk, status=OutboundEmail.Status.PENDING
            ).update(status=OutboundEmail.Status.SENT, sent_at=now, context={}, error=""):
                queryset.update(**values)
        return
    after, params = _update_sql(queryset, values)
    glue = " AND " if " WHERE " in after else " WHERE "
    table = connection.ops.quote_name(OutboundEmail._meta.db_table)
    # Names from the models, values as parameters.
    sql = (
        f"WITH marked AS (UPDATE {table} SET status = %s, sent_at = %s, context = '{{}}'::jsonb,"  # noqa: S608
        f" error = '' WHERE id = %s AND status = %s RETURNING id) "
        f"{after}{glue}EXISTS (SELECT 1 FROM marked)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [OutboundEmail.Status.SENT, now, email.pk, OutboundEmail.Status.PENDING, *params],
        )


def _retry_later(email: OutboundEmail, error: str) -> None:
    if email.attempts >= MAX_ATTEMPTS:
        _finish(
            email, OutboundEmail.Status.FAILED, f"gave up after {email.attempts} attempts: {error}"
        )
        return
    delay = min(FIRST_RETRY * 2 ** (email.attempts - 1), LONGEST_RETRY)
    OutboundEmail.objects.filter(pk=email.pk, status=OutboundEmail.Status.PENDING).update(
        next_attempt_at=timezone.now() + dt.timedelta(seconds=delay), error=error[:2000]
    )


def _release(emails: Sequence[OutboundEmail]) -> None:
    """Give back claimed rows this sender did not try: due again, the claim not counted."""
    OutboundEmail.objects.filter(
        pk__in=[e.pk for e in emails], status=OutboundEmail.Status.PENDING
    ).update(next_attempt_at=timezone.now(), attempts=F("attempts") - 1)


def _is_permanent(exc: Exception) -> bool:
    """5xx answers and refused recipients are permanent; the connection's troubles are not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    # Other SMTP errors (disconnected...) and socket errors are the connection's; anything else
    # (an address Django cannot encode...) is the message's own.
    return not isinstance(exc, smtplib.SMTPException | OSError)


def _describe(exc: Exception) -> str:
    """The reason, as the mail server gave it when it answered ("550 5.1.1 No such user")."""

    def text(value: bytes | str) -> str:
        return value.decode(errors="replace") if isinstance(value, bytes) else str(value)

    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{code} {text(reply)} ({address})" for address, (code, reply) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


Outcome = EmailMultiAlternatives | tuple[str, str]  # the message, or (status, reason)


def _marks(names: Sequence[str]) -> dict[str, str]:
    """Placeholders for the personal values of a shared rendering (characters that no template
    filter or HTML escaping changes)."""
    nonce = secrets.token_hex(6)
    return {name: f"@@outbox-{name}-{nonce}@@" for name in names}


# Shared renderings, kept in this process across batches (the latest RENDERINGS_KEPT): a
# ``Prepared.shared`` key stands for what is rendered, so an equal key is an equal rendering.
RENDERINGS_KEPT = 500
_renderings: OrderedDict[tuple[Hashable, ...], tuple[tuple[str, str, str], dict[str, str]]] = (
    OrderedDict()
)


def _message(email: OutboundEmail, kind: Kind, prepared: Prepared) -> EmailMultiAlternatives:
    """The message for a row: rendered for it alone, or once for every row with the same
    template, language and ``prepared.shared`` key (in this batch or an earlier one of this
    process), with its personal values filled in."""
    renderings = _renderings
    language = email.user.language if email.user is not None else email.language
    personal = dict(prepared.personal)
    if prepared.shared is None:
        subject, text, html = render_email(
            email.template,
            {**prepared.context, **personal},
            language=language,
            parts=prepared.parts,
        )
    else:
        key = (
            email.template,
            language,
            prepared.shared,
            tuple(sorted(personal)),
            tuple(sorted(prepared.parts)),
        )
        if key in renderings:
            renderings.move_to_end(key)
        else:
            marks = _marks(sorted([*personal, *prepared.parts]))
            context = {**prepared.context, **marks}
            rendered = render_email(email.template, context, language=language)
            renderings[key] = (rendered, marks)
            while len(renderings) > RENDERINGS_KEPT:
                renderings.popitem(last=False)
        rendered, marks = renderings[key]
        subject, text, html = _fill(rendered, marks, personal, prepared.parts)
    headers = {"Message-ID": email.message_id}
    if kind.headers is not None:
        headers.update(kind.headers(email, {**prepared.context, **personal}))
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=text,
        to=[email.recipient],
        headers=headers,
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message


def _prepare_one(kind: Kind, email: OutboundEmail, context: dict[str, Any]) -> Prepared | None:
    if kind.context is not None:
        wanted = kind.context(email, context)
        return None if wanted is None else Prepared(wanted)
    return Prepared(context)


def build_messages(emails: Sequence[OutboundEmail]) -> list[Outcome]:
    """The messages of a batch of rows, in order: each an ``EmailMultiAlternatives``, or
    (status, reason) for a row not to send (cancelled: an object of its context was deleted, or
    its kind says it is no longer wanted; failed: it could not be rendered).

    The batch's contexts are loaded together (one query per model); a kind with a ``prepare``
    hook prepares all its rows at once, and rows that share a rendering are rendered once.
    """
    Status = OutboundEmail.Status
    outcomes: list[Outcome | None] = [None] * len(emails)
    contexts = _load_many([email.context for email in emails])
    by_kind: dict[str, list[int]] = {}
    for index, (email, context) in enumerate(zip(emails, contexts, strict=True)):
        if isinstance(context, Gone):
            outcomes[index] = (Status.CANCELLED, str(context))
        else:
            by_kind.setdefault(email.kind, []).append(index)
    for name, indexes in by_kind.items():
        kind = _kinds.get(name, Kind())
        prepared: list[Prepared | tuple[str, str] | None] = []
        if kind.prepare is not None:
            try:
                prepared.extend(
                    kind.prepare([emails[i] for i in indexes], [contexts[i] for i in indexes])
                )
            except Exception as exc:
                logger.exception("Emails of kind %s could not be prepared", name)
                prepared = [(Status.FAILED, _describe(exc))] * len(indexes)
        else:
            for i in indexes:
                try:
                    prepared.append(_prepare_one(kind, emails[i], contexts[i]))
                except Gone as exc:
                    prepared.append((Status.CANCELLED, str(exc)))
                except Exception as exc:
                    logger.exception("Email %s (%s) could not be prepared", emails[i].pk, name)
                    prepared.append((Status.FAILED, _describe(exc)))
        for i, entry in zip(indexes, prepared, strict=True):
            if entry is None:
                outcomes[i] = (Status.CANCELLED, "no longer wanted")
            elif isinstance(entry, tuple):
                outcomes[i] = entry
            else:
                try:
                    outcomes[i] = _message(emails[i], kind, entry)
                except Exception as exc:
                    logger.exception("Email %s (%s) could not be rendered", emails[i].pk, name)
                    outcomes[i] = (Status.FAILED, _describe(exc))
    return [outcome for outcome in outcomes if outcome is not None]


def build_message(email: OutboundEmail) -> EmailMultiAlternatives | None:
    """The message for one row (``build_messages`` of one); ``None`` if its kind says it is no
    longer wanted. Raises ``Gone`` when an object of its context was deleted."""
    outcome = build_messages([email])[0]
    if isinstance(outcome, tuple):
        status, reason = outcome
        if status == OutboundEmail.Status.CANCELLED and reason != "no longer wanted":
            raise Gone(reason)
        if status == OutboundEmail.Status.FAILED:
            raise RuntimeError(reason)
        return None
    return outcome


@dataclass
class Batch:
    claimed: int = 0
    sent: int = 0
    connection_failed: bool = False


@contextmanager
def _fast_commits() -> Iterator[None]:
    """While a batch is sent: commits that do not wait for the disk (PostgreSQL), see
    ``_finish``."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with contextlib.suppress(Exception), connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def send_batch(ids: Sequence[int] | None = None, *, deadline: float | None = None) -> Batch:
    """Claim up to ``BATCH_SIZE`` due rows (among ``ids``, or any) and send them over one SMTP
    connection, starting no message after ``deadline`` (``time.monotonic()``; by default the
    time budget from now): the rows left are given back. The batch's messages are prepared
    together (``build_messages``: a few queries for the batch, one rendering per shared
    content); each row sent is marked in one statement right after the server accepted it.
    Call it outside a transaction: each outcome must be committed at once."""
    if deadline is None:
        deadline = time.monotonic() + _budget()
    claimed = _claim(ids)
    batch = Batch(claimed=len(claimed))
    if not claimed:
        return batch
    outcomes = build_messages(claimed)
    connection_: Any = None
    try:
        with _fast_commits():
            for index, (email, outcome) in enumerate(zip(claimed, outcomes, strict=True)):
                if time.monotonic() > deadline:
                    _release(claimed[index:])
                    break
                if isinstance(outcome, tuple):
                    _finish(email, *outcome)
                    continue
                if connection_ is None:
                    connection_ = get_connection(fail_silently=False)
                    try:
                        connection_.open()
                    except Exception as exc:  # the server, not the message: try again later
                        logger.warning("Cannot reach the mail server: %s", _describe(exc))
                        _retry_later(email, _describe(exc))
                        _release(claimed[index + 1 :])
                        batch.connection_failed = True
                        break
                try:
                    connection_.send_messages([outcome])
                except Exception as exc:
                    if _is_permanent(exc):
                        _finish(email, OutboundEmail.Status.FAILED, _describe(exc))
                        continue
                    _retry_later(email, _describe(exc))
                    if isinstance(
                        exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPResponseException
                    ):
                        continue  # a 4xx for this message: the connection is still good
                    _release(claimed[index + 1 :])
                    batch.connection_failed = True
                    break
                _finish(email, OutboundEmail.Status.SENT)
                batch.sent += 1
    finally:
        if connection_ is not None:
            with contextlib.suppress(Exception):  # closing a broken connection: nothing to do
                connection_.close()
    return batch


def send_due() -> int:
    """Send due rows, batch after batch, starting no message once the time budget is spent (the
    sweep: one budget for all its batches, so that it ends well within the task's time limit).
    Returns the number sent."""
    deadline = time.monotonic() + _budget()
    sent = 0
    while time.monotonic() < deadline:
        batch = send_batch(deadline=deadline)
        sent += batch.sent
        if batch.claimed < BATCH_SIZE or batch.connection_failed:
            break
    return sent
