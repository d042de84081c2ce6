import time

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt

from accounts.models import Membership, User
from tests.cities.factories import BodyFactory


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    body = factory.SubFactory(BodyFactory)
    status = Membership.Status.APPROVED


def give_mfa(user: User) -> User:
    """Give a user a TOTP authenticator, as allauth's setup page would, and reset the role cache."""
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    user.__dict__.pop("has_mfa", None)
    return user


def make_member(
    body=None,
    *,
    role=Membership.Role.MEMBER,
    status=Membership.Status.APPROVED,
    mfa=None,
    **user_kwargs,
) -> User:
    """A user with one membership. Coordinators get MFA unless ``mfa=False``."""
    user = UserFactory(**user_kwargs)
    kwargs = {"user": user, "role": role, "status": status}
    if body is not None:
        kwargs["body"] = body
    MembershipFactory(**kwargs)
    if mfa or (mfa is None and role == Membership.Role.COORDINATOR):
        give_mfa(user)
    user.__dict__.pop("membership", None)
    return user


def totp_code(user, *, offset: int = 0) -> str:
    """The code the user's authenticator app shows now (``offset`` periods away)."""
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(authenticator.data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def make_certificate(holder: User, source=None, **fields):
    """A certificate issued through the service; ``source`` defaults to a new theme (any saved
    row will do: one certificate per holder and source)."""
    import datetime

    from accounts.certificates import issue_certificate
    from tests.cities.factories import ThemeFactory

    data = {
        "kind": "Training",
        "title": "Police academy on major events",
        "host": "Police municipale de Nice",
        "start": datetime.date(2024, 5, 13),
        "end": datetime.date(2024, 5, 17),
        **fields,
    }
    return issue_certificate(holder=holder, source=source or ThemeFactory(), **data)
