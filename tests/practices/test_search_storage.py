"""The search vector is stored in the row (bench/README.md explains why)."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_search_vector_is_kept_in_the_row_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("storage options exist on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute "
            "WHERE attrelid = 'practices_practice'::regclass AND attname = 'search_vector'"
        )
        assert cursor.fetchone()[0] == "m"  # MAIN: compressed, in the row
