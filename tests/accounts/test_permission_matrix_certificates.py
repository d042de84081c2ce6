"""Who may open the certificate pages (see tests/matrix.py): the verification pages are public;
the PDF is for its holder (``member``, of Nice) and Efus staff with powers, 404 for anyone else,
including the holder's own coordinator."""

import pytest

from tests.accounts.factories import make_certificate
from tests.matrix import Case, matrix_params, run_case

EVERYONE = dict.fromkeys(
    (
        "anonymous",
        "outsider",
        "pending_member",
        "member",
        "coordinator",
        "other_coordinator",
        "efus_staff",
    ),
    200,
)
HOLDER_AND_STAFF = {
    "anonymous": "login",
    "outsider": 404,
    "pending_member": 404,
    "member": 200,
    "coordinator": 404,
    "other_coordinator": 404,
    "efus_staff": 200,
}


def members_certificate(request):
    return make_certificate(request.getfixturevalue("member"))


CASES = [
    Case("accounts:certificate_lookup", EVERYONE),
    Case(
        "accounts:certificate_verify",
        EVERYONE,
        kwargs=lambda request: {"code": members_certificate(request).display_code},
    ),
    Case(
        "accounts:certificate_download",
        HOLDER_AND_STAFF,
        kwargs=lambda request: {"pk": members_certificate(request).pk},
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case,role", matrix_params(CASES))
def test_permission_matrix(case, role, request, client):
    run_case(case, role, request, client)
