"""Role fixtures shared by every test folder: one user per role of DOMAIN.md §2."""

import pytest

from accounts.models import Membership
from tests.accounts.factories import UserFactory, make_member
from tests.cities.factories import reference_body


@pytest.fixture
def nice_body(db):
    return reference_body("nice")


@pytest.fixture
def madrid_body(db):
    return reference_body("madrid")


@pytest.fixture
def efus_body(db):
    return reference_body("paris")


@pytest.fixture
def outsider(db):
    """Signed up, verified, but belongs to no organisation."""
    return UserFactory()


@pytest.fixture
def pending_member(nice_body):
    return make_member(nice_body, status=Membership.Status.PENDING)


@pytest.fixture
def member(nice_body):
    return make_member(nice_body)


@pytest.fixture
def coordinator(nice_body):
    return make_member(nice_body, role=Membership.Role.COORDINATOR)


@pytest.fixture
def other_coordinator(madrid_body):
    return make_member(madrid_body, role=Membership.Role.COORDINATOR)


@pytest.fixture
def efus_staff(efus_body):
    return make_member(efus_body, mfa=True)


@pytest.fixture
def anonymous():
    return None


@pytest.fixture
def network_member(db):
    """An approved member of a body that is not police (safe.brussels)."""
    return make_member(reference_body("brussels"))
