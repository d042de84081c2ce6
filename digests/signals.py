"""What an email service provider's webhooks report (django-anymail's signals; README, "The
weekly digest"): bounces and complaints (``tracking``), and the messages sent to the unsubscribe
address (``inbound``). The receivers only hand the event to a service."""

from __future__ import annotations

from typing import Any

from anymail.signals import AnymailInboundEvent, AnymailTrackingEvent, inbound, tracking
from django.dispatch import receiver

from . import services


@receiver(tracking, dispatch_uid="digests.tracking")
def digest_tracking_event(
    sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any
) -> None:
    services.subscriber_tracking_event(
        event_type=event.event_type or "",
        recipient=event.recipient or "",
        reason=event.mta_response or event.description or event.reject_reason or "",
        esp_name=esp_name,
    )


@receiver(inbound, dispatch_uid="digests.inbound")
def digest_inbound_message(
    sender: Any, event: AnymailInboundEvent, esp_name: str, **kwargs: Any
) -> None:
    message = event.message
    if message is None:
        return
    services.subscriber_unsubscribe_by_email(
        to=[address.addr_spec for address in [*message.to, *message.cc]],
        subject=message.subject or "",
        text=message.text or "",
    )
