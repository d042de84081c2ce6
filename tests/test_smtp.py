"""Email through a real SMTP server (aiosmtpd, in-process), not only the locmem outbox."""

from email.message import EmailMessage

import pytest

from accounts import emails
from accounts.models import OutboundEmail
from pactesur.celery import app as celery_app

pytestmark = [pytest.mark.services, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _celery_eager():
    """Send in-process, as with no broker, even when REDIS_URL configures one for the run."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


def test_membership_email_reaches_an_smtp_server_with_text_and_html(
    smtp_sink, member, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = emails.queue(
            "membership_decided",
            to=member,
            about=member.membership,
            context={"membership": member.membership, "event": "membership_approved"},
        )

    assert row is not None
    assert len(smtp_sink.messages) == 1
    message = smtp_sink.messages[0]
    assert message.envelope_to == [member.email]
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == "[PACTESUR] Welcome to the PACTESUR network"
    assert message["To"] == member.email
    assert message["Message-ID"] == row.message_id
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    dashboard = f"{settings.SITE_URL}/me/"
    assert dashboard in text.get_content()
    assert f'href="{dashboard}"' in html.get_content()
    assert "Police municipale de Nice" in text.get_content()
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENT
