"""The one vocabulary of roles (accounts/roles.py): each word over every role fixture, and the
recipient querysets agree with the predicates."""

import pytest

from accounts import roles
from accounts.permissions import allowed
from moderation.models import Visibility, reach_of, tiers_for

pytestmark = pytest.mark.django_db

# role fixture: member, police reader, in the Efus body, staff powers, city coordinator,
# coordinator powers, needs MFA
TABLE = {
    "outsider": (False, False, False, False, False, False, False),
    "pending_member": (False, False, False, False, False, False, False),
    "member": (True, True, False, False, False, False, False),
    "network_member": (True, False, False, False, False, False, False),
    "coordinator": (True, True, False, False, True, True, False),
    "coordinator_without_mfa": (True, True, False, False, True, False, True),
    "efus_staff": (True, True, True, True, False, False, False),
    "efus_staff_without_mfa": (True, False, True, False, False, False, True),
    "operator": (False, True, True, True, False, False, False),
}
WORDS = (
    roles.is_member,
    roles.is_police_reader,
    roles.in_efus_body,
    roles.has_staff_powers,
    roles.is_city_coordinator,
    roles.has_coordinator_powers,
    roles.needs_mfa,
)


@pytest.mark.parametrize("role", TABLE)
def test_each_role_means_what_the_table_says(role, request):
    user = request.getfixturevalue(role)
    assert tuple(bool(word(user)) for word in WORDS) == TABLE[role]


def test_an_anonymous_visitor_has_no_role():
    from django.contrib.auth.models import AnonymousUser

    assert not any(word(AnonymousUser()) for word in WORDS)


def test_a_deactivated_account_loses_every_role(efus_staff, coordinator):
    for user in (efus_staff, coordinator):
        user.is_active = False
        assert not any(word(user) for word in WORDS)


def test_recipient_querysets_agree_with_the_predicates(request, nice_body):
    users = {role: request.getfixturevalue(role) for role in TABLE}
    assert set(roles.staff_with_powers()) == {
        u for u in users.values() if roles.has_staff_powers(u)
    }
    assert set(roles.coordinators_with_powers(nice_body.city)) == {
        u for u in users.values() if roles.coordinates(u, nice_body.city)
    }


@pytest.mark.parametrize(
    "role,tiers",
    [
        ("outsider", {"public"}),
        ("pending_member", {"public"}),
        ("network_member", {"public", "network"}),
        ("member", {"public", "network", "police"}),
        ("efus_staff_without_mfa", {"public", "network"}),
        ("coordinator_without_mfa", {"public", "network", "police"}),
        ("efus_staff", {"public", "network", "police"}),
    ],
)
def test_tiers_follow_the_roles(role, tiers, request):
    assert set(tiers_for(request.getfixturevalue(role))) == tiers


def test_efus_staff_without_mfa_read_no_police_material_and_see_no_unpublished_item(
    efus_staff_without_mfa,
):
    reach = reach_of(efus_staff_without_mfa)
    assert Visibility.POLICE not in reach.tiers
    assert not reach.everything


def test_an_unregistered_rule_raises_instead_of_denying(member):
    with pytest.raises(LookupError):
        allowed("practices.chnage_practice", member)
