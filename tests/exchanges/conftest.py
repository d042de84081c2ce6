"""Roles for exchanges beyond the shared ones: the matrix's objects are an application of a Nice
officer (``member``, whose coordinator is ``coordinator``) for a Madrid offer (hosted by
``other_coordinator``); ``third_coordinator`` (Riga) and ``other_member`` (Nice) see nothing."""

import pytest

from accounts.models import Membership
from tests.accounts.factories import make_member
from tests.cities.factories import reference_body


@pytest.fixture
def third_coordinator(db):
    return make_member(reference_body("riga"), role=Membership.Role.COORDINATOR)


@pytest.fixture
def other_member(nice_body):
    return make_member(nice_body)


@pytest.fixture
def madrid_officer(madrid_body):
    return make_member(madrid_body)
