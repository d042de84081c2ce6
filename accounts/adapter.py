"""allauth hooks: sign-up creates the membership request; email confirmation may approve it."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from . import services


class AccountAdapter(DefaultAccountAdapter):
    def confirm_email(self, request: HttpRequest, email_address: Any) -> None:
        super().confirm_email(request, email_address)
        services.email_confirmed(user=email_address.user)
