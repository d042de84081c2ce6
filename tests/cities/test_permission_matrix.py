"""Every cities page is public: 200 for every role; a city that does not exist is a 404."""

import pytest

from tests.cities.factories import CityFactory
from tests.matrix import ROLES, Case, matrix_params, run_case

PUBLIC = dict.fromkeys(ROLES, 200)
NOT_FOUND = dict.fromkeys(ROLES, 404)


def network_city(request):
    return {"slug": CityFactory(project_role="network", slug="lyon", name="Lyon").slug}


CASES = [
    Case("cities:home", PUBLIC),
    Case("cities:list", PUBLIC),
    Case("cities:network", PUBLIC),
    Case("cities:detail", PUBLIC, kwargs=lambda request: {"slug": "nice"}, id="detail-project"),
    Case("cities:detail", PUBLIC, kwargs=network_city, id="detail-network"),
    Case("cities:detail", NOT_FOUND, kwargs=lambda request: {"slug": "atlantis"}, id="detail-404"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case,role", matrix_params(CASES))
def test_permission_matrix(case, role, request, client):
    run_case(case, role, request, client)
