"""The digest through the real pieces: a Redis broker, a Celery worker process, an SMTP server
(aiosmtpd), PostgreSQL row locks. Exactly one digest per subscriber and period when the job runs
twice, batches race, or the worker is killed in the middle."""

import collections
import datetime as dt
import os
import signal
import time
from unittest import mock

import pytest
from celery import Celery
from django.db import connection

from accounts import emails
from accounts.models import OutboundEmail
from accounts.tasks import send_emails
from digests import services
from digests.models import Subscriber
from digests.periods import Period
from tests.digests.factories import SubscriberFactory
from tests.practices.factories import PracticeFactory
from tests.support import WORKER_OPTIONS, celery_process, in_thread, worker_environment

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks and a worker sharing the test database: PostgreSQL only (CI runs it too)",
)

PERIOD = Period.current()  # the worker's run uses the real clock
PREVIOUS = PERIOD.previous().cutoff


def _week(subscribers: int) -> list[Subscriber]:
    """A public practice of the period, and confirmed subscribers whose previous digest was the
    last period's."""
    PracticeFactory(title="Night mediators", published_at=PERIOD.cutoff - dt.timedelta(hours=1))
    return [
        SubscriberFactory(
            email=f"reader{n}@example.org",
            language="en" if n % 2 else "fr",
            confirmed_at=PREVIOUS - dt.timedelta(days=1),
            last_digest_at=PREVIOUS,
        )
        for n in range(subscribers)
    ]


@needs_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_batch_tasks_racing_for_the_same_rows_send_each_digest_once(smtp_sink):
    _week(60)
    with mock.patch.object(emails, "_hand_over"):  # the batches are run by hand below
        services.digest_run(period=PERIOD)
    emails._local.ids = []
    ids = list(OutboundEmail.objects.filter(kind="digest").values_list("pk", flat=True))
    assert len(ids) == 60
    smtp_sink.rcpt_delay = 0.005
    threads = [in_thread(lambda: send_emails.apply(args=[ids]).get()) for _ in range(2)]
    for thread, _ in threads:
        thread.join()
    received = collections.Counter(m["Message-ID"] for m in smtp_sink.messages)
    assert len(received) == 60 and set(received.values()) == {1}
    assert sum(result["value"] for _, result in threads) == 60
    assert set(Subscriber.objects.values_list("last_digest_at", flat=True)) == {PERIOD.cutoff}
    # And the same batch delivered again later finds nothing to send.
    assert send_emails.apply(args=[ids]).get() == 0


@needs_postgresql
@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_delivers_the_weekly_digest_once_even_when_killed_and_run_twice(
    private_redis, smtp_sink, tmp_path
):
    """The beat task goes through Redis to a worker (prefork, 2 processes), which queues the
    ledger rows and hands their batches back to the broker; the worker is SIGKILLed while it
    sends, started again, and the weekly job runs a second time. Every subscriber has their
    digest; a digest may come twice only in the outbox's inherent window (accepted by the
    server, the worker killed before its row is marked: at most one per pool process)."""
    count, concurrency = 150, 2
    subscribers = _week(count)
    smtp_sink.rcpt_delay = 0.01
    log = tmp_path / "worker.log"
    env = worker_environment(
        private_redis.url, smtp_sink.port, tmp_path / "var", CELERY_TASK_TIME_LIMIT="10"
    )
    args = ["worker", "--pool=prefork", "-c", str(concurrency), *WORKER_OPTIONS]
    producer = Celery("pactesur", set_as_current=False)
    producer.config_from_object("django.conf:settings", namespace="CELERY")
    producer.conf.update(broker_url=private_redis.url, task_always_eager=False)
    try:
        with celery_process(args, env, log) as worker:
            producer.send_task("digests.tasks.run_digest", args=[str(PERIOD)], ignore_result=True)
            deadline = time.monotonic() + 60
            while len(smtp_sink.messages) < count // 3:
                assert time.monotonic() < deadline and worker.poll() is None, log.read_text()
                time.sleep(0.01)
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
            killed_at = time.time()
        sent_before_restart = len(smtp_sink.messages)
        with celery_process(args, env, log) as worker:
            producer.send_task("digests.tasks.run_digest", args=[str(PERIOD)], ignore_result=True)
            deadline = time.monotonic() + 90
            while OutboundEmail.objects.filter(kind="digest", status="pending").exists():
                assert time.monotonic() < deadline and worker.poll() is None, log.read_text()
                producer.send_task("accounts.tasks.sweep_emails", ignore_result=True)
                time.sleep(1)
            time.sleep(1)  # nothing more may arrive
    finally:
        producer.close()
    by_address = collections.Counter(m["To"] for m in smtp_sink.messages)
    assert sorted(by_address) == sorted(s.email for s in subscribers)  # none lost
    doubled = [address for address, n in by_address.items() if n > 1]
    assert len(doubled) <= concurrency
    for address in doubled:
        first = min(m.accepted_at for m in smtp_sink.messages if m["To"] == address)
        assert abs(first - killed_at) < 0.5, f"{address} came twice away from the kill"
    assert sent_before_restart < count
    assert OutboundEmail.objects.filter(kind="digest").count() == count  # the rerun added none
    assert set(OutboundEmail.objects.filter(kind="digest").values_list("status", flat=True)) == {
        "sent"
    }
    assert set(Subscriber.objects.values_list("last_digest_at", flat=True)) == {PERIOD.cutoff}
    text = smtp_sink.messages[0].get_body(("plain",)).get_content()
    assert "Night mediators" in text
    assert smtp_sink.messages[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "digests.tasks.run_digest" in log.read_text()
    assert "accounts.tasks.send_emails" in log.read_text()
