"""allauth hooks: sign-up creates the membership request; email confirmation may approve it."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from . import services


class AccountAdapter(DefaultAccountAdapter):
    def confirm_email(self, request: HttpRequest, email_address: Any) -> bool:
        """Mark the address verified, then let a pending membership auto-approve (or notify)."""
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            services.email_confirmed(user=email_address.user, email=email_address.email)
        return confirmed
