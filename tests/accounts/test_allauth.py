"""allauth inside our site: every page in base.html with labelled fields, the sign-up and email
confirmation journey, login rate limits on the configured cache, and TOTP two-factor sign-in."""

import datetime as dt
import re
import time
from html.parser import HTMLParser

import pytest
import time_machine
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.conf import settings
from django.contrib.sites.models import Site
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.emails import render_email
from accounts.models import Membership, OutboundEmail, User
from accounts.tasks import sweep_emails
from tests.accounts.factories import UserFactory, give_mfa, make_member, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


class _FormControls(HTMLParser):
    """Collects the form controls of a page and the ids that a <label for> names."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self._in_label = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label":
            self._in_label += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea") and a.get("type") not in (
            "hidden",
            "submit",
            "button",
        ):
            self.controls.append({**a, "_wrapped": "yes" if self._in_label else None})

    def handle_endtag(self, tag):
        if tag == "label":
            self._in_label -= 1


def assert_in_our_layout_with_labels(response) -> None:
    html = response.content.decode()
    assert response.status_code == 200, response.status_code
    assert 'class="skip-link"' in html, "not rendered inside templates/base.html"
    assert html.count("<main") == 1
    assert re.search(r"<title>[^<]+· PACTESUR 2</title>", html, re.S)
    assert html.count("<h1") == 1
    parser = _FormControls()
    parser.feed(html)
    # The language switcher of base.html is labelled too; every control must be.
    assert parser.controls, "no form control found"
    for control in parser.controls:
        labelled = (
            control.get("id") in parser.label_for
            or control["_wrapped"]
            or control.get("aria-label")
        )
        assert labelled, f"unlabelled control: {control}"


def _login(client, user, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": user.email, "password": password})


def _reauthenticate(client, password=PASSWORD):
    """Type the password again, as allauth asks before two-factor settings change."""
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302


# --- Every page inside base.html ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
        "account_email_verification_sent",
    ],
)
def test_public_allauth_pages_use_our_layout(client, name):
    assert_in_our_layout_with_labels(client.get(reverse(name)))


@pytest.mark.parametrize(
    "name",
    [
        "account_email",
        "account_change_password",
        "account_logout",
        "account_reauthenticate",
        "mfa_index",
        "mfa_activate_totp",
    ],
)
def test_signed_in_allauth_pages_use_our_layout(client, member, name):
    assert _login(client, member).status_code == 302
    _reauthenticate(client)
    assert_in_our_layout_with_labels(client.get(reverse(name)))


def test_mfa_pages_with_totp_use_our_layout(client, member):
    assert _login(client, member).status_code == 302
    _activate_totp(client)
    for name in (
        "mfa_index",
        "mfa_deactivate_totp",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_reauthenticate",
    ):
        assert_in_our_layout_with_labels(client.get(reverse(name)))


def test_password_reset_journey_uses_our_layout(
    client, member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": member.email})
    assert response.status_code == 302
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mailoutbox[0].body)[1]
    response = client.get(link, follow=True)  # allauth moves the key into the session
    assert_in_our_layout_with_labels(response)
    response = client.post(
        response.redirect_chain[-1][0],
        {"password1": "a-new-long-passphrase", "password2": "a-new-long-passphrase"},
        follow=True,
    )
    html = response.content.decode()
    assert 'class="skip-link"' in html
    member.refresh_from_db()
    assert member.check_password("a-new-long-passphrase")


def test_allauth_emails_carry_the_site_name(
    client, member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": member.email})
    assert "PACTESUR" in mailoutbox[0].body
    site = Site.objects.get(pk=settings.SITE_ID)
    assert (site.name, site.domain) == ("PACTESUR", "testserver")


# --- Sign-up and email confirmation ---------------------------------------------------------------


def _signup_data(organisation, **overrides):
    data = {
        "full_name": "Marie Curie-Agent",
        "email": "marie@example.org",
        "position": "Brigadier",
        "body": organisation.pk,
        "password1": "a-long-passphrase-2024",
        "password2": "a-long-passphrase-2024",
    }
    return {**data, **overrides}


def test_signup_then_confirmation_creates_a_request_the_coordinator_hears_of(
    client, nice_body, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), _signup_data(nice_body))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="marie@example.org")
    assert (user.full_name, user.position) == ("Marie Curie-Agent", "Brigadier")
    assert Membership.objects.get(user=user).status == Membership.Status.PENDING
    assert [m.to for m in mailoutbox] == [["marie@example.org"]]  # only the confirmation link

    page = client.get(reverse("account_email_verification_sent"))
    assert "Check your email" in page.content.decode()

    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", mailoutbox[0].body)[1]
    confirm_page = client.get(link)
    assert_in_our_layout_with_labels_or_buttons(confirm_page, "Confirm my email address")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")
    assert EmailAddress.objects.get(user=user).verified
    assert [m.to for m in mailoutbox[1:]] == [[coordinator.email]]
    dashboard = client.get(reverse("accounts:dashboard"))
    assert "waiting for your coordinator" in dashboard.content.decode()


def test_signup_with_a_known_address_hashes_a_password_like_a_new_account(
    client, nice_body, member, monkeypatch
):
    """The page and the email do not reveal a known address; the time taken must not either:
    hashing a password is the slow part of a sign-up, so both paths hash one."""
    from django.contrib.auth.hashers import get_hasher

    hasher = type(get_hasher())
    calls = []
    encode = hasher.encode
    monkeypatch.setattr(
        hasher, "encode", lambda self, *a, **k: calls.append(1) or encode(self, *a, **k)
    )

    client.post(reverse("account_signup"), _signup_data(nice_body, email="new@example.org"))
    new_account = len(calls)
    calls.clear()
    response = client.post(reverse("account_signup"), _signup_data(nice_body, email=member.email))
    assert response.status_code == 302
    assert User.objects.filter(email__iexact=member.email).count() == 1
    assert new_account >= 1 and len(calls) == new_account


def assert_in_our_layout_with_labels_or_buttons(response, button_text):
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="skip-link"' in html
    assert f">{button_text}</button>" in html


def test_signup_on_the_body_domain_is_approved_on_confirmation(
    client, nice_body, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    nice_body.email_domains = ["ville-nice.fr"]
    nice_body.save(update_fields=["email_domains"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), _signup_data(nice_body, email="agent@ville-nice.fr"))
    user = User.objects.get(email="agent@ville-nice.fr")
    assert Membership.objects.get(user=user).status == Membership.Status.PENDING

    key = EmailConfirmationHMAC(EmailAddress.objects.get(user=user)).key
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_confirm_email", args=[key]))
    assert Membership.objects.get(user=user).status == Membership.Status.APPROVED
    assert mailoutbox[-1].to == ["agent@ville-nice.fr"]
    assert "Welcome" in mailoutbox[-1].subject
    assert coordinator.email not in [addr for m in mailoutbox for addr in m.to]


def test_signup_errors_are_shown_on_each_field(client, nice_body):
    response = client.post(
        reverse("account_signup"),
        _signup_data(nice_body, full_name="", body="", password2="something-else-entirely"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    for field in ("full_name", "body", "password2"):
        assert f'id="id_{field}_error"' in html, field
    assert 'class="form-errors" role="alert"' in html
    assert not User.objects.filter(email="marie@example.org").exists()


def test_an_unverified_user_cannot_sign_in(client, nice_body):
    user = UserFactory(verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    response = _login(client, user)
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("accounts:dashboard")).status_code == 302


# --- Rate limits ----------------------------------------------------------------------------------


def test_login_failures_are_rate_limited_in_the_shared_cache(client, member):
    backend = settings.CACHES["default"]["BACKEND"]
    assert backend.endswith(("FileBasedCache", "RedisCache")), backend  # shared by all processes

    for _ in range(5):
        response = _login(client, member, password="wrong-password")
        assert "The email address and/or password you specified are not correct." in (
            response.content.decode()
        )
    response = _login(client, member, password="wrong-password")
    assert "Too many failed login attempts. Try again later." in response.content.decode()
    # Even the right password is refused while the limit holds...
    response = _login(client, member)
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get(reverse("accounts:dashboard")).status_code == 302
    # ...and the counter lives in that cache: clearing it lifts the limit.
    cache.clear()
    assert _login(client, member).status_code == 302


# --- Two-factor authentication --------------------------------------------------------------------


def _activate_totp(client) -> None:
    page = client.get(reverse("mfa_activate_totp"))
    if page.status_code == 302:  # allauth wants the password again first
        assert page["Location"].startswith(reverse("account_reauthenticate"))
        _reauthenticate(client)
        page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302, response.content.decode()


def test_signing_in_with_totp_needs_the_code(client, nice_body):
    user = make_member(nice_body, role=Membership.Role.COORDINATOR)  # has TOTP
    response = _login(client, user)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("accounts:dashboard")).status_code == 302  # not signed in yet

    page = client.get(reverse("mfa_authenticate"))
    assert_in_our_layout_with_labels(page)
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert 'id="id_code_error"' in response.content.decode()
    assert client.get(reverse("accounts:dashboard")).status_code == 302

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(user)})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    assert client.get(reverse("accounts:members")).status_code == 200


def test_coordinator_sets_up_totp_and_gains_the_members_page(client, nice_body):
    coordinator = make_member(nice_body, role=Membership.Role.COORDINATOR, mfa=False)
    assert _login(client, coordinator)["Location"] == reverse("accounts:dashboard")
    assert client.get(reverse("accounts:members")).status_code == 404

    _activate_totp(client)

    assert Authenticator.objects.filter(user=coordinator, type="totp").exists()
    assert Authenticator.objects.filter(user=coordinator, type="recovery_codes").exists()
    assert client.get(reverse("accounts:members")).status_code == 200


def test_mfa_is_offered_to_every_member(client, member):
    _login(client, member)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert f'href="{reverse("mfa_activate_totp")}"' in html
    assert "Action needed" not in html  # optional for members


def test_efus_staff_without_mfa_are_asked_to_set_it_up(client, efus_body):
    staff = make_member(efus_body, mfa=False)
    client.force_login(staff)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert "As Efus staff you can moderate and administer the network only once it is on." in html
    assert client.get(reverse("accounts:members")).status_code == 404
    give_mfa(staff)
    assert client.get(reverse("accounts:members")).status_code == 200


# --- Emails through the outbox --------------------------------------------------------------------


def test_signup_while_the_mail_server_is_down_sends_the_confirmation_once_it_is_back(
    client, nice_body, smtp_sink, django_capture_on_commit_callbacks
):
    smtp_sink.stop()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), _signup_data(nice_body))
    assert response.status_code == 302  # not a 500
    user = User.objects.get(email="marie@example.org")
    email = OutboundEmail.objects.get(recipient="marie@example.org")
    assert email.status == OutboundEmail.Status.PENDING
    assert "ConnectionRefusedError" in email.error

    smtp_sink.start()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1, seconds=1), tick=True):
        assert sweep_emails.apply().get() == 1
    [message] = smtp_sink.messages
    assert message["To"] == "marie@example.org"
    assert message["Subject"] == "[PACTESUR] Confirm your email address"
    assert message["Message-ID"] == email.message_id
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", text)[1]
    assert f'href="http://testserver{link}"' in html
    client.post(link)
    assert EmailAddress.objects.get(user=user).verified


@pytest.mark.parametrize(
    "template",
    [
        "email_confirmation_signup",
        "email_confirmation",
        "password_reset_key",
        "unknown_account",
        "account_already_exists",
    ],
)
def test_every_allauth_email_we_send_has_text_and_html_in_french_too(template, member):
    context = {
        "user": member,
        "email": member.email,
        "activate_url": "http://testserver/accounts/confirm-email/KEY/",
        "password_reset_url": "http://testserver/accounts/password/reset/key/KEY/",
        "signup_url": "http://testserver/accounts/signup/",
    }
    for language in ("en", "fr"):
        subject, text, html = render_email(f"account/email/{template}", context, language=language)
        link = "/accounts/signup/" if template == "unknown_account" else "/KEY/"
        assert subject
        assert "PACTESUR" in text
        assert link in text and f'{link}">' in html
        assert html.startswith("<!doctype html>") and f'<html lang="{language}">' in html
        if language == "fr":
            assert "Bonjour" in text, text


def test_a_user_signs_up_in_the_language_of_the_page(
    client, nice_body, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), _signup_data(nice_body), HTTP_ACCEPT_LANGUAGE="fr")
    assert User.objects.get(email="marie@example.org").language == "fr"
    assert mailoutbox[0].subject == "[PACTESUR] Confirmez votre adresse e-mail"


def test_a_password_reset_to_a_known_address_is_in_the_accounts_language(
    client, member, mailoutbox, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=member.pk).update(language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": member.email})  # English page
    assert mailoutbox[0].subject == "[PACTESUR] Choisissez un nouveau mot de passe"
    assert mailoutbox[0].alternatives[0][1] == "text/html"
    # The link's token is not kept once the email is sent.
    token_link = re.search(r"/accounts/password/reset/key/(\S+)", mailoutbox[0].body)[1]
    assert not OutboundEmail.objects.filter(context__icontains=token_link).exists()
    assert OutboundEmail.objects.get().context == {}
