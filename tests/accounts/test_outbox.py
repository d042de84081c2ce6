"""The email outbox (accounts/emails.py): rows written in the caller's transaction, claimed under
a lock, sent once, retried with backoff, failed with a reason, and cleared once sent.

Tasks run in-process here (tests/accounts/conftest.py); failures come from a real SMTP server
(aiosmtpd, ``smtp_sink``) that refuses, answers 4xx or 5xx, or is down."""

import datetime as dt
import threading
import time
import uuid
from unittest import mock

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts import emails
from accounts.models import OutboundEmail, User
from accounts.tasks import send_emails, sweep_emails
from pactesur.celery import app as celery_app
from tests.accounts.factories import UserFactory
from tests.support import in_thread

pytestmark = pytest.mark.django_db

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks: PostgreSQL only (CI runs it too)"
)


def _queue(address="someone@example.org", **kwargs):
    """An allauth-style email to a bare address: real templates, no other object needed."""
    defaults = {
        "template": "account/email/unknown_account",
        "context": {"email": address, "signup_url": "http://testserver/accounts/signup/"},
        "language": "en",
    }
    return emails.queue("test", to=address, **{**defaults, **kwargs})


def _later(seconds: float):
    return time_machine.travel(timezone.now() + dt.timedelta(seconds=seconds), tick=True)


# --- Queueing -------------------------------------------------------------------------------------


def test_the_same_email_is_queued_once(member):
    first = emails.queue("membership_decided", to=member, about=member.membership, occasion="x")
    again = emails.queue("membership_decided", to=member, about=member.membership, occasion="x")
    other = emails.queue("membership_decided", to=member, about=member.membership, occasion="y")

    assert first is not None and other is not None
    assert again is None
    assert OutboundEmail.objects.count() == 2


def test_the_database_refuses_a_second_row_with_the_same_key():
    _queue(occasion="once")
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundEmail.objects.create(
            kind="test", recipient="someone@example.org", occasion="once", message_id="<x@y>"
        )


def test_a_row_lives_and_dies_with_the_callers_transaction(mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        _queue()
        raise RuntimeError("the change that caused the email failed")
    assert not OutboundEmail.objects.exists()
    assert mailoutbox == []


def test_nothing_is_sent_before_the_commit(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = _queue()
    assert row.status == OutboundEmail.Status.PENDING
    assert mailoutbox == []
    for callback in callbacks:
        callback()
    assert [m.to for m in mailoutbox] == [["someone@example.org"]]


def test_model_instances_are_stored_as_references_and_read_at_send_time(
    member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = emails.queue(
            "membership_decided",
            to=member,
            about=member.membership,
            context={"membership": member.membership, "event": "membership_approved"},
        )
    assert row.context["membership"] == {"__model__": "accounts.membership", "pk": row_pk(member)}
    User.objects.filter(pk=member.pk).update(full_name="Renamed Before Sending")
    for callback in callbacks:
        callback()
    assert "Hello Renamed Before Sending," in mailoutbox[0].body


def row_pk(member):
    return member.membership.pk


def test_a_context_value_that_is_not_data_is_refused():
    with pytest.raises(TypeError):
        _queue(context={"thing": object()})


def test_nothing_is_queued_when_muted(django_capture_on_commit_callbacks, mailoutbox):
    with emails.muted(), django_capture_on_commit_callbacks(execute=True):
        assert _queue() is None
    assert not OutboundEmail.objects.exists()
    assert mailoutbox == []


# --- Sending --------------------------------------------------------------------------------------


def test_a_sent_row_keeps_no_context_and_carries_its_message_id(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = _queue(context={"email": "x@example.org", "signup_url": "http://t/secret-token/"})
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENT
    assert row.sent_at is not None
    assert row.context == {}
    assert (row.kind, row.recipient, row.error) == ("test", "someone@example.org", "")
    assert mailoutbox[0].extra_headers["Message-ID"] == row.message_id
    assert "secret-token" in mailoutbox[0].body
    assert not OutboundEmail.objects.filter(context__icontains="secret-token").exists()


def test_every_email_goes_in_its_recipients_language(
    mailoutbox, django_capture_on_commit_callbacks
):
    french = UserFactory(language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        emails.queue("account", to=french, template="account/email/password_reset_key")
        _queue("anglais@example.org", language="en")
        _queue("francais@example.org", language="fr")
    subjects = {m.to[0]: m.subject for m in mailoutbox}
    assert subjects[french.email] == "[PACTESUR] Choisissez un nouveau mot de passe"
    assert subjects["anglais@example.org"] == "[PACTESUR] No PACTESUR account uses this address"
    assert subjects["francais@example.org"] == (
        "[PACTESUR] Aucun compte PACTESUR n’utilise cette adresse"
    )
    html = next(m for m in mailoutbox if m.to == ["francais@example.org"]).alternatives[0][0]
    assert '<html lang="fr">' in html


def test_the_users_language_when_sending_wins_over_the_one_when_queueing(
    mailoutbox, django_capture_on_commit_callbacks
):
    person = UserFactory(language="en")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        emails.queue("account", to=person, template="account/email/password_reset_key")
    User.objects.filter(pk=person.pk).update(language="fr")
    for callback in callbacks:
        callback()
    assert mailoutbox[0].subject == "[PACTESUR] Choisissez un nouveau mot de passe"


def test_a_batch_goes_over_one_smtp_connection(smtp_sink, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(5):
            _queue(f"person{i}@example.org")
    assert len(smtp_sink.messages) == 5
    assert len({m.peer for m in smtp_sink.messages}) == 1


def test_a_duplicated_task_sends_nothing_twice(mailoutbox):
    rows = [_queue(f"person{i}@example.org") for i in range(3)]
    ids = [row.pk for row in rows]

    assert send_emails.apply(args=[ids]).get() == 3
    assert send_emails.apply(args=[ids]).get() == 0
    assert sweep_emails.apply().get() == 0
    assert len(mailoutbox) == 3


def test_a_row_claimed_by_a_sender_is_left_to_it(mailoutbox):
    row = _queue()
    claimed = emails._claim([row.pk])  # another sender has it, and has not finished
    assert [r.pk for r in claimed] == [row.pk]

    assert send_emails.apply(args=[[row.pk]]).get() == 0
    assert sweep_emails.apply().get() == 0
    assert mailoutbox == []
    # If that sender died, the row is due again once its lease is over.
    with _later(emails._lease().total_seconds() + 1):
        assert sweep_emails.apply().get() == 1
    assert len(mailoutbox) == 1


def test_a_task_dying_half_way_never_resends_to_those_already_served(smtp_sink):
    rows = [_queue(f"person{i}@example.org") for i in range(4)]
    real_finish = emails._finish
    finished = []

    def die_after_two(email, status, error=""):
        if len(finished) == 2:
            raise SystemExit("worker killed")  # after the server accepted the third message
        finished.append(email.pk)
        real_finish(email, status, error)

    with mock.patch.object(emails, "_finish", die_after_two), pytest.raises(SystemExit):
        send_emails.apply(args=[[r.pk for r in rows]], throw=True)
    assert len(smtp_sink.messages) == 3

    with _later(emails._lease().total_seconds() + 1):
        sweep_emails.apply()
    received = [m["To"] for m in smtp_sink.messages]
    # The two marked sent are not sent again; the third (accepted, not yet marked) is the
    # inherent window: sent again, with the same Message-ID; the fourth goes once.
    assert sorted(received) == sorted([f"person{i}@example.org" for i in (0, 1, 2, 2, 3)])
    third = [m["Message-ID"] for m in smtp_sink.messages if m["To"] == "person2@example.org"]
    assert (
        third[0]
        == third[1]
        == OutboundEmail.objects.get(recipient="person2@example.org").message_id
    )
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}


def test_a_temporary_error_is_retried_with_backoff_and_the_same_message_id(smtp_sink):
    smtp_sink.reply = "451 4.3.0 Try again later"
    row = _queue()
    send_emails.apply(args=[[row.pk]])

    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.PENDING
    assert row.attempts == 1
    assert "451" in row.error
    wait = (row.next_attempt_at - timezone.now()).total_seconds()
    assert 55 < wait <= 60
    assert sweep_emails.apply().get() == 0  # not due yet

    with _later(61):
        sweep_emails.apply()  # still failing: the wait doubles
        row.refresh_from_db()
        assert row.attempts == 2
        assert 115 < (row.next_attempt_at - timezone.now()).total_seconds() <= 120

    smtp_sink.reply = None
    with _later(61 + 121):
        assert sweep_emails.apply().get() == 1
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENT
    assert row.attempts == 3
    assert smtp_sink.message_ids == [row.message_id]


def test_a_mail_server_that_is_down_delays_the_email(smtp_sink):
    smtp_sink.stop()
    rows = [_queue(f"person{i}@example.org") for i in range(3)]
    send_emails.apply(args=[[r.pk for r in rows]])

    states = {r.recipient: (r.attempts, r.error) for r in OutboundEmail.objects.all()}
    assert "ConnectionRefusedError" in states["person0@example.org"][1]
    # Only one connection was tried: the others were given back untried, due at once.
    assert states["person1@example.org"] == (0, "")
    assert OutboundEmail.objects.due().count() == 2

    smtp_sink.start()
    with _later(61):
        assert sweep_emails.apply().get() == 3
    assert sorted(m["To"] for m in smtp_sink.messages) == [
        f"person{i}@example.org" for i in range(3)
    ]


def test_retries_end_after_the_last_attempt(smtp_sink):
    smtp_sink.reply = "421 4.7.0 Too busy"
    row = _queue()
    for attempt in range(emails.MAX_ATTEMPTS):
        with _later(attempt * 3600 + 1):
            sweep_emails.apply()
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.FAILED
    assert row.attempts == emails.MAX_ATTEMPTS
    assert row.error.startswith(f"gave up after {emails.MAX_ATTEMPTS} attempts")
    assert row.context == {}


@pytest.mark.parametrize("refusal", ["rcpt", "data"], ids=["recipient refused", "message refused"])
def test_a_permanent_error_fails_the_row_at_once_with_the_reason(smtp_sink, refusal):
    if refusal == "rcpt":
        smtp_sink.refuse["gone@example.org"] = "550 5.1.1 No such mailbox"
    else:
        smtp_sink.reply = "554 5.7.1 Message rejected as spam"
    bad = _queue("gone@example.org")
    good = _queue("here@example.org") if refusal == "rcpt" else None
    send_emails.apply(args=[[r.pk for r in (bad, good) if r]])

    bad.refresh_from_db()
    assert bad.status == OutboundEmail.Status.FAILED
    assert bad.attempts == 1
    assert ("550 5.1.1" if refusal == "rcpt" else "554 5.7.1") in bad.error
    assert bad.context == {}
    if good is not None:  # the connection goes on serving the rest of the batch
        good.refresh_from_db()
        assert good.status == OutboundEmail.Status.SENT
    with _later(7200):
        sweep_emails.apply()
    assert OutboundEmail.objects.filter(status="failed").count() == 1


def test_an_email_about_a_deleted_object_is_cancelled(member, mailoutbox):
    membership = member.membership
    row = emails.queue(
        "membership_decided",
        to=member,
        about=membership,
        context={"membership": membership, "event": "membership_removed"},
    )
    membership.delete()
    send_emails.apply(args=[[row.pk]])
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.CANCELLED
    assert "accounts.membership" in row.error
    assert mailoutbox == []


def test_a_kind_adds_headers_and_may_cancel_at_send_time(mailoutbox):
    emails.register(
        "test",
        context=lambda email, ctx: None if ctx["email"] == "stale@example.org" else ctx,
        headers=lambda email, ctx: {"List-Unsubscribe": f"<https://example.org/u/{email.pk}>"},
    )
    try:
        fresh, stale = _queue("fresh@example.org"), _queue("stale@example.org")
        send_emails.apply(args=[[fresh.pk, stale.pk]])
    finally:
        emails._kinds.pop("test")
    assert [m.to for m in mailoutbox] == [["fresh@example.org"]]
    assert mailoutbox[0].extra_headers["List-Unsubscribe"] == f"<https://example.org/u/{fresh.pk}>"
    stale.refresh_from_db()
    assert stale.status == OutboundEmail.Status.CANCELLED


def test_a_kind_hears_each_outcome_in_the_commit_that_records_it(mailoutbox, smtp_sink):
    heard = []

    def finished(email, status, error):
        row = OutboundEmail.objects.get(pk=email.pk)
        heard.append((email.recipient, status, row.status, email.context["email"], error[:3]))

    emails.register("test", finished=finished)
    smtp_sink.refuse["refused@example.org"] = "550 5.1.1 No such user"
    try:
        rows = [_queue("sent@example.org"), _queue("refused@example.org")]
        send_emails.apply(args=[[r.pk for r in rows]])
        send_emails.apply(args=[[r.pk for r in rows]])  # again: nothing more to hear
    finally:
        emails._kinds.pop("test")
    assert heard == [
        # the row's new status, read in the same transaction; the context as it was queued
        ("sent@example.org", "sent", "sent", "sent@example.org", ""),
        ("refused@example.org", "failed", "failed", "refused@example.org", "550"),
    ]


def test_many_emails_are_queued_at_once_and_those_queued_already_are_skipped(
    member, mailoutbox, django_capture_on_commit_callbacks
):
    first = emails.Outgoing(to="one@example.org", about=member, occasion="w1", language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        ids = emails.queue_many(
            "test",
            [first, emails.Outgoing(to=" Two@Example.org", occasion="w1", language="en")],
            template="account/email/unknown_account",
        )
    assert len(ids) == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["one@example.org", "two@example.org"]
    row = OutboundEmail.objects.get(recipient="one@example.org")
    assert (row.about, row.occasion, row.language) == (f"accounts.user:{member.pk}", "w1", "fr")
    again = emails.queue_many("test", [first], template="account/email/unknown_account")
    assert again == [] and OutboundEmail.objects.count() == 2
    with emails.muted():
        assert emails.queue_many("test", [emails.Outgoing(to="x@example.org")]) == []


def test_a_style_element_of_an_html_email_is_inlined(settings, tmp_path):
    (tmp_path / "emails").mkdir()
    for name, body in {
        "styled_subject.txt": "Hi",
        "styled.txt": "Hi",
        "styled.html": "<html><head><style>h1 { color: red }</style></head>"
        "<body><h1>Hi</h1></body></html>",
    }.items():
        (tmp_path / "emails" / name).write_text(body)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    _, _, html = emails.render_email("styled", {})
    assert '<h1 style="color: red;">Hi</h1>' in html
    assert "<style>" not in html


def test_the_sweep_sends_a_row_whose_hand_over_to_the_broker_failed(
    mailoutbox, django_capture_on_commit_callbacks
):
    celery_app.conf.task_always_eager = False  # restored by the conftest fixture
    with (
        mock.patch.object(celery_app, "send_task", side_effect=OSError("broker down")) as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        row = _queue()
    assert send.call_count == 1
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.PENDING
    assert mailoutbox == []

    assert sweep_emails.apply().get() == 1
    assert [m.to for m in mailoutbox] == [["someone@example.org"]]


def test_many_rows_go_to_the_broker_in_tasks_of_a_hundred(django_capture_on_commit_callbacks):
    celery_app.conf.task_always_eager = False
    with (
        mock.patch.object(celery_app, "send_task") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        rows = [_queue(f"person{i}@example.org") for i in range(150)]
    assert [call.args[0] for call in send.call_args_list] == ["accounts.tasks.send_emails"] * 2
    batches = [call.kwargs["args"][0] for call in send.call_args_list]
    assert [len(b) for b in batches] == [100, 50]
    assert sorted(batches[0] + batches[1]) == sorted(r.pk for r in rows)


def test_deleting_an_account_deletes_its_emails(member, django_capture_on_commit_callbacks):
    from accounts.services import user_delete

    with django_capture_on_commit_callbacks(execute=True):
        emails.queue("account", to=member, template="account/email/password_reset_key")
        _queue(member.email.upper())
    user_delete(user=member)
    assert not OutboundEmail.objects.exists()


# --- Concurrent senders (real transactions, PostgreSQL) ---------------------------------------


def _rows(count: int) -> list[OutboundEmail]:
    """Committed pending rows, written directly: nothing is handed over, nothing sent yet."""
    return [
        OutboundEmail.objects.create(
            kind="test",
            recipient=f"person{i}@example.org",
            language="en",
            template="account/email/unknown_account",
            context={"email": f"person{i}@example.org", "signup_url": "http://x/"},
            message_id=f"<{i}.{uuid.uuid4().hex}@pactesur.test>",
        )
        for i in range(count)
    ]


@needs_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_claim_skips_the_rows_another_sender_has_locked():
    rows = _rows(3)
    locked, release = threading.Event(), threading.Event()

    def hold_the_first_row():
        with transaction.atomic():
            list(OutboundEmail.objects.select_for_update().filter(pk=rows[0].pk))
            locked.set()
            release.wait(10)

    thread, _ = in_thread(hold_the_first_row)
    assert locked.wait(10)
    started = time.monotonic()
    claimed = emails._claim(None)
    assert time.monotonic() - started < 1  # it did not wait for the lock
    assert [r.pk for r in claimed] == [r.pk for r in rows[1:]]
    release.set()
    thread.join()
    assert [r.pk for r in emails._claim(None)] == [rows[0].pk]  # free again: never leased


@needs_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_senders_at_once_send_each_email_once(smtp_sink):
    rows = _rows(250)
    threads = [in_thread(emails.send_due) for _ in range(2)]
    for thread, _ in threads:
        thread.join()
    assert sorted(smtp_sink.message_ids) == sorted(r.message_id for r in rows)
    assert all(result["value"] > 0 for _, result in threads)  # both sent some
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}


def test_the_sweep_starts_no_message_once_its_time_budget_is_spent(mailoutbox, settings):
    """Half the task's time limit for all its batches together, so that it ends well before the
    worker kills it (a kill in the middle of a message may send it twice)."""
    settings.CELERY_TASK_TIME_LIMIT = 1  # a budget of 0.5 s
    for i in range(20):
        _queue(f"person{i}@example.org")
    clock = mock.Mock(now=0.0)
    clock.monotonic = lambda: clock.now
    real_finish = emails._finish

    def each_message_takes_a_tenth(email, status, error=""):
        clock.now += 0.1
        real_finish(email, status, error)

    with (
        mock.patch.object(emails, "time", clock),
        mock.patch.object(emails, "_finish", each_message_takes_a_tenth),
        mock.patch.object(emails, "BATCH_SIZE", 4),
    ):
        sent = emails.send_due()
    # Batch one: 4 messages (0.4 s). Batch two starts within the budget, and stops with it.
    assert sent == 6
    waiting = OutboundEmail.objects.filter(status="pending")
    assert waiting.count() == 14
    assert set(waiting.values_list("attempts", flat=True)) == {0}  # given back, not counted
    assert not waiting.filter(next_attempt_at__gt=timezone.now()).exists()  # due again


def test_the_personal_data_export_lists_the_emails_without_their_content(
    client, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": member.email})
    client.force_login(member)
    data = client.get("/me/export/").json()
    assert [(e["kind"], e["recipient"], e["status"]) for e in data["emails"]] == [
        ("account", member.email, "sent")
    ]
    assert "context" not in data["emails"][0]
    assert data["profile"]["language"] == "en"
