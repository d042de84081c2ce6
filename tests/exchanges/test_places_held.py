"""Each window's count of places held: filled by the data migration, and kept when an
application holding a place is deleted with its applicant's account (every transition:
``test_transitions``)."""

import importlib

import pytest
from django.apps import apps

from exchanges.models import ApplicationStatus, Window
from tests.accounts.factories import make_member
from tests.exchanges.factories import ApplicationFactory, OfferFactory, WindowFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("exchanges.migrations.0002_window_places_held")


def test_the_migration_counts_the_places_held(nice_body):
    offer = OfferFactory()
    full, half, empty = (WindowFactory(offer=offer, places=2) for _ in range(3))
    S = ApplicationStatus
    for window, status in [
        (full, S.ACCEPTED), (full, S.SCHEDULED), (half, S.REPORTED), (half, S.WITHDRAWN),
        (half, S.DECLINED), (empty, S.CANCELLED), (empty, S.SUBMITTED),
    ]:  # fmt: skip
        application = ApplicationFactory(
            applicant=make_member(nice_body), offer=offer, preferred_window=window, status=status
        )
        if application.window_id is None and status != S.SUBMITTED:  # a place held, then freed
            application.window = window
            application.save(update_fields=["window"])
    Window.objects.update(places_held=0)

    migration.count_places_held(apps, None)

    held = dict(Window.objects.values_list("pk", "places_held"))
    assert [held[full.pk], held[half.pk], held[empty.pk]] == [2, 1, 0]


def test_an_erased_applicant_frees_the_place(nice_body):
    window = WindowFactory(places=2)
    officer = make_member(nice_body)
    ApplicationFactory(
        applicant=officer, offer=window.offer, preferred_window=window,
        status=ApplicationStatus.SCHEDULED,
    )  # fmt: skip
    assert Window.objects.get(pk=window.pk).places_held == 1
    officer.delete()
    assert Window.objects.get(pk=window.pk).places_held == 0
