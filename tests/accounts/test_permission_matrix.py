"""Who may open which accounts page or run which membership action (see tests/matrix.py).

Targets of the member actions belong to Nice: ``coordinator`` (Nice) is "own city",
``other_coordinator`` (Madrid) is "other city". Appointing coordinators is for Efus staff only: a
Nice coordinator can see the membership on their members page, so they get 403, not 404.
"""

import pytest

from accounts.models import Membership, User
from tests.accounts.factories import make_member
from tests.matrix import Case, matrix_params, run_case

SIGNED_IN = {
    "anonymous": "login",
    "outsider": 200,
    "pending_member": 200,
    "member": 200,
    "coordinator": 200,
    "other_coordinator": 200,
    "efus_staff": 200,
}
PUBLIC_ENTRANCE = {**dict.fromkeys(SIGNED_IN, 302), "anonymous": 200}  # signed in: redirected
OWN_CITY_ACTION = {
    "anonymous": "login",
    "outsider": 404,
    "pending_member": 404,
    "member": 404,
    "coordinator": 302,
    "other_coordinator": 404,
    "efus_staff": 302,
}
EFUS_ACTION = {**OWN_CITY_ACTION, "coordinator": 403}


def _nice(request, **kwargs):
    return make_member(request.getfixturevalue("nice_body"), **kwargs).membership


def pending_nice(request):
    return {"pk": _nice(request, status=Membership.Status.PENDING).pk}


def approved_nice(request):
    return {"pk": _nice(request).pk}


def coordinator_nice(request):
    return {"pk": _nice(request, role=Membership.Role.COORDINATOR).pk}


def membership_state(request, kwargs, user):
    """The target membership's status and role."""
    return Membership.objects.filter(pk=kwargs["pk"]).values_list("status", "role").first()


def own_name(request, kwargs, user):
    """The acting user's name (the profile form renames them)."""
    return User.objects.filter(pk=getattr(user, "pk", None)).values_list("full_name").first()


CASES = [
    Case("account_login", PUBLIC_ENTRANCE),
    Case("account_signup", PUBLIC_ENTRANCE),
    Case("accounts:dashboard", SIGNED_IN),
    Case("accounts:profile", SIGNED_IN),
    Case(
        "accounts:profile",
        {**SIGNED_IN, **{role: 302 for role in SIGNED_IN if role != "anonymous"}},
        method="post",
        data={"full_name": "Renamed Person", "gender": "prefer_not", "language": "fr"},
        state=own_name,
    ),
    Case(
        "accounts:join",
        {**dict.fromkeys(SIGNED_IN, 302), "anonymous": "login", "outsider": 200},
    ),
    Case("accounts:export", SIGNED_IN),
    Case("accounts:delete", SIGNED_IN),
    Case(
        "accounts:members",
        {**SIGNED_IN, "outsider": 404, "pending_member": 404, "member": 404},
    ),
    Case(
        "accounts:membership_approve",
        OWN_CITY_ACTION,
        method="post",
        kwargs=pending_nice,
        state=membership_state,
    ),
    Case(
        "accounts:membership_approve",
        {**SIGNED_IN, **{role: 405 for role in SIGNED_IN if role != "anonymous"}},
        kwargs=pending_nice,
        id="get-is-not-allowed:accounts:membership_approve",
    ),
    Case(
        "accounts:membership_remove",
        OWN_CITY_ACTION,
        method="post",
        kwargs=pending_nice,
        state=membership_state,
    ),
    Case(
        "accounts:membership_remove",
        OWN_CITY_ACTION,
        method="post",
        kwargs=approved_nice,
        state=membership_state,
        id="remove-approved-member",
    ),
    Case(
        "accounts:membership_remove",
        EFUS_ACTION,
        method="post",
        kwargs=coordinator_nice,
        state=membership_state,
        id="remove-a-coordinator",
    ),
    Case(
        "accounts:coordinator_appoint",
        EFUS_ACTION,
        method="post",
        kwargs=approved_nice,
        state=membership_state,
    ),
    Case(
        "accounts:coordinator_remove",
        EFUS_ACTION,
        method="post",
        kwargs=coordinator_nice,
        state=membership_state,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case,role", matrix_params(CASES))
def test_permission_matrix(case, role, request, client):
    run_case(case, role, request, client)
