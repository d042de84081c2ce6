"""allauth hooks: sign-up records the person's language and creates the membership request; email
confirmation may approve it; allauth's own emails go through the outbox."""

import secrets
import uuid
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.auth.hashers import make_password
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest
from django.utils import translation

from . import emails, services
from .models import User


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        """A new account's emails are in the language the person signed up in."""
        user.language = emails.supported_language(translation.get_language())
        return super().save_user(request, user, form, commit=commit)

    def confirm_email(self, request: HttpRequest, email_address: Any) -> bool:
        """Mark the address verified, then let a pending membership auto-approve (or notify)."""
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            services.email_confirmed(user=email_address.user, email=email_address.email)
        return confirmed

    def send_account_already_exists_mail(self, email: str) -> None:
        """Signing up with a known address does the work a new account does (hashing a
        password, the slow part), so that the answer's timing does not reveal the address is
        known: the page and the email already do not."""
        make_password(secrets.token_urlsafe(16))
        super().send_account_already_exists_mail(email)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Queue allauth's email (confirmation, password reset...) in the outbox, to the account
        that owns the address (in its language) or, with none, to the bare address in the
        language of the page. Each call is a new email (a new occasion)."""
        request = allauth_context.request
        ctx = {"email": email, "current_site": get_current_site(request), **context}
        ctx.pop("request", None)  # not data: the templates need only what is above
        owner = ctx.get("user")
        if not isinstance(owner, User):
            owner = User.objects.filter(emailaddress__email__iexact=email).first()
        primary = owner is not None and owner.email.lower() == email.lower()
        emails.queue(
            "account",
            # A secondary address being confirmed is the recipient, in its owner's language.
            to=owner if owner is not None and primary else email,
            about=owner,
            occasion=f"{template_prefix.rsplit('/', 1)[-1]}:{uuid.uuid4().hex}",
            template=template_prefix,
            context=ctx,
            language=owner.language if owner is not None else translation.get_language() or "",
        )
