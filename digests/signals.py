"""Bounces and complaints reported by an email service provider's webhooks (django-anymail's
``tracking`` signal; README, "Digest bounces"). The receiver only hands the event to a service."""

from __future__ import annotations

from typing import Any

from anymail.signals import AnymailTrackingEvent, tracking
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
