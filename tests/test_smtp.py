"""Email through a real SMTP server (aiosmtpd, in-process), not only the locmem outbox."""

import email
import socket
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from accounts.emails import send_email

pytestmark = pytest.mark.services


class CollectingHandler:
    """Keeps every message the server accepts."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd hook
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = controller.hostname
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    yield handler
    controller.stop()


def test_membership_email_reaches_an_smtp_server_with_text_and_html(smtp_server, member, settings):
    sent = send_email(
        "membership_decided",
        to=[member.email],
        context={"membership": member.membership, "event": "membership_approved"},
    )

    assert sent == 1
    assert len(smtp_server.envelopes) == 1
    envelope = smtp_server.envelopes[0]
    assert envelope.rcpt_tos == [member.email]
    message = email.message_from_bytes(envelope.original_content, policy=default_policy)
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == "[PACTESUR] Welcome to the PACTESUR network"
    assert message["To"] == member.email
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    dashboard = f"{settings.SITE_URL}/me/"
    assert dashboard in text.get_content()
    assert f'href="{dashboard}"' in html.get_content()
    assert "Police municipale de Nice" in text.get_content()
