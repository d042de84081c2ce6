"""``manage.py seed_demo``: demo people through the services, safe to re-run."""

import contextlib
import io
from collections import Counter

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, TOTP_CODE_SNIPPET
from accounts.management.commands.seed_demo import demo_modules
from accounts.models import Membership, OutboundEmail, User
from cities.models import City

pytestmark = pytest.mark.django_db

DEFAULT_CITIES = ["nice", "madrid", "liege", "bologna", "riga", "tallinn", "xabia", "turin"]


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _user(email: str) -> User:
    return User.objects.get(email=f"{email}@demo.example.org")


def _snapshot():
    return (
        sorted(User.objects.values_list("email", flat=True)),
        sorted(Membership.objects.values_list("user__email", "body__city__slug", "role", "status")),
        Authenticator.objects.count(),
        EmailAddress.objects.count(),
        City.objects.count(),
    )


def test_seeding_twice_creates_nothing_new(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first_output = seed()
    first = _snapshot()
    # 8 cities x (coordinator + 3 officers), the moderator, the operator, a pending member.
    assert len(first[0]) == 8 * 4 + 3
    with django_capture_on_commit_callbacks(execute=True):
        second_output = seed()
    assert _snapshot() == first
    assert "people: 35 created" in first_output
    assert "people: 0 created" in second_output


def test_roles_are_right():
    seed()
    moderator = _user("moderator")
    assert moderator.in_efus_body and moderator.has_staff_powers
    assert not moderator.is_superuser
    operator = _user("operator")
    assert operator.is_superuser and operator.has_mfa
    for slug in DEFAULT_CITIES:
        coordinator = _user(f"coordinator.{slug}")
        assert coordinator.is_city_coordinator and coordinator.has_coordinator_powers
        assert coordinator.city.slug == slug
        members = Membership.objects.approved().filter(
            body__city__slug=slug, role=Membership.Role.MEMBER
        )
        assert sorted(m.user.email for m in members) == [
            f"officer{i}.{slug}@demo.example.org" for i in (1, 2, 3)
        ]
        # Approved by their own coordinator, who was appointed by the moderator.
        assert {m.decided_by for m in members} == {coordinator}
        assert coordinator.membership.decided_by == moderator
    officer = _user("officer1.riga")
    assert officer.is_member and officer.is_police_reader and not officer.has_mfa
    assert officer.full_name and officer.position and officer.city.slug == "riga"
    pending = _user("pending.nice")
    assert pending.membership.status == Membership.Status.PENDING
    assert not pending.is_member
    assert set(User.objects.values_list("email", flat=True)) == set(
        User.objects.filter(email__endswith="@demo.example.org").values_list("email", flat=True)
    )
    assert all(
        EmailAddress.objects.filter(user=u, verified=True).exists() for u in User.objects.all()
    )


def test_counts_choose_cities_and_members_per_city():
    seed("--members", "1", "--cities", "gdansk, Kordelio-Evosmos")
    cities = Counter(
        Membership.objects.approved()
        .exclude(body__city__slug="paris")
        .values_list("body__city__slug", flat=True)
    )
    assert cities == {"gdansk": 2, "kordelio-evosmos": 2}
    assert _user("officer1.gdansk").full_name == "Piotr Kowalski"
    assert _user("pending.nice").membership.status == Membership.Status.PENDING


def test_unknown_city_is_an_error():
    with pytest.raises(CommandError, match="Not PACTESUR 2 cities: atlantis"):
        seed("--cities", "nice,atlantis")
    assert not User.objects.exists()


def test_many_members_get_distinct_names():
    seed("--members", "7", "--cities", "nice")
    names = list(
        Membership.objects.filter(body__city__slug="nice").values_list("user__full_name", flat=True)
    )
    assert len(names) == 9 and len(set(names)) == 9


def test_output_lists_logins_password_and_totp_secret():
    output = seed("--members", "1", "--cities", "nice")
    for email in ("moderator", "coordinator.nice", "officer1.nice", "pending.nice"):
        assert f"{email}@demo.example.org" in output
    assert f"Password for every demo account: {DEMO_PASSWORD}" in output
    assert DEMO_TOTP_SECRET in output
    assert TOTP_CODE_SNIPPET in output
    line = next(line for line in output.splitlines() if "coordinator.nice@" in line)
    assert "City coordinator" in line and "Nice" in line and "yes" in line


def test_the_printed_snippet_gives_a_code_the_demo_authenticator_accepts():
    seed("--members", "0", "--cities", "nice")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(TOTP_CODE_SNIPPET, {})  # noqa: S102  (our own constant, as printed to the user)
    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    authenticator = Authenticator.objects.get(user=_user("coordinator.nice"))
    assert TOTP(authenticator).validate_code(code)


def test_a_demo_coordinator_can_sign_in_with_password_and_totp(client):
    seed("--members", "0", "--cities", "nice")
    response = client.post(
        reverse("account_login"),
        {"login": "coordinator.nice@demo.example.org", "password": DEMO_PASSWORD},
    )
    assert response["Location"] == reverse("mfa_authenticate")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(TOTP_CODE_SNIPPET, {})  # noqa: S102
    response = client.post(reverse("mfa_authenticate"), {"code": out.getvalue().strip()})
    assert response.status_code == 302
    assert client.get(reverse("accounts:members")).status_code == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_seeding_queues_no_email_unless_asked(mailoutbox):
    # Real commits: what the services queue would be sent when the command's transaction commits
    # (by a worker, with a broker). Nothing is even queued.
    seed("--members", "1", "--cities", "nice")
    assert mailoutbox == []
    assert not OutboundEmail.objects.exists()
    seed("--members", "2", "--cities", "nice", "--send-emails")
    assert [m.to for m in mailoutbox] == [["officer2.nice@demo.example.org"]]
    # The request to the coordinator was decided before it went out: cancelled, not sent.
    assert set(OutboundEmail.objects.values_list("recipient", "status")) == {
        ("officer2.nice@demo.example.org", "sent"),
        ("coordinator.nice@demo.example.org", "cancelled"),
    }


def test_demo_addresses_are_on_a_domain_reserved_for_examples():
    seed("--members", "1", "--cities", "nice")
    domains = {email.rpartition("@")[2] for email in User.objects.values_list("email", flat=True)}
    assert domains == {"demo.example.org"}  # RFC 2606: mail to it reaches nobody


def test_each_app_demo_module_is_found_in_installed_apps_order():
    labels = [label for label, _ in demo_modules()]
    assert labels[:2] == ["cities", "accounts"]


def test_the_sample_network_is_part_of_the_demo():
    seed("--members", "0", "--cities", "nice")
    assert City.objects.network().count() >= 25
