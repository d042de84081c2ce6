"""Demo digest subscribers (``manage.py seed_demo``): public readers in English and French, and
members subscribed from their account page, through the site's services. Nothing is sent:
seeding queues no email unless ``--send-emails`` (then the confirmations go to the demo domain,
and the next ``send_digest`` sends them their digest)."""

from __future__ import annotations

from typing import Any

from accounts.demo import demo_email
from accounts.models import User
from cities.models import Theme

from . import services
from .models import Subscriber

# (local part, organisation, place, language, theme slugs, frequency)
PUBLIC = [
    ("reader.en", "City of Ghent", "Ghent", "en", ["safe-nightlife", "major-events"], "weekly"),
    ("lecteur.fr", "Ville de Lyon", "Lyon", "fr", [], "weekly"),
    ("lectrice.fr", "Ville de Marseille", "Marseille", "fr", ["crisis-management"], "monthly"),
]
MEMBERS = ["officer1", "officer2"]  # of each demo city, in the language of their account


def seed(*, counts: dict[str, Any], stdout: Any) -> None:
    created = 0
    themes = {t.slug: t for t in Theme.objects.all()}
    for local, organisation, place, language, slugs, frequency in PUBLIC:
        email = demo_email(local)
        if Subscriber.objects.filter(email=email).exists():
            continue
        services.subscriber_request(
            email=email,
            organisation=organisation,
            place=place,
            language=language,
            themes=[themes[s] for s in slugs if s in themes],
        )
        subscriber = services.subscriber_confirm(subscriber=Subscriber.objects.get(email=email))
        if frequency != subscriber.frequency:
            services.subscriber_update_preferences(
                subscriber=subscriber,
                language=language,
                frequency=frequency,
                themes=subscriber.themes.all(),
            )
        created += 1
    for slug in counts["cities"][:2]:
        for local in MEMBERS:
            user = User.objects.filter(email=demo_email(f"{local}.{slug}")).first()
            if user is None or Subscriber.objects.filter(user=user).exists():
                continue
            services.subscriber_subscribe_member(user=user)
            created += 1
    stdout.write(f"  digest subscribers: {created} created, the others were already there")
