"""A second moderated model, for the tests only: the smallest registration of the moderation kit.

A bulletin is a model (``Moderated``, ``MODERATED_FIELDS``, registered), two rules made of the
predicates of ``moderation.permissions``, and one review template. ``tests/moderation/test_kit.py``
takes it through the whole flow with no change to ``moderation/``. The root ``conftest.py`` adds
this app to ``INSTALLED_APPS``; it has no migrations, so the test database creates its table.
"""
