"""The two rules of a moderated model, from the kit's predicates. Unlike practices, the author
of a bulletin submits it themselves."""

import rules

from accounts.roles import has_staff_powers, is_member
from moderation.permissions import (
    belongs_to_object_city,
    coordinates_object_city,
    is_author,
    is_editable_in_place,
)

rules.add_rule("bulletins.add_bulletin", is_member)
rules.add_rule(
    "bulletins.change_bulletin",
    coordinates_object_city
    | has_staff_powers
    | (is_author & belongs_to_object_city & is_editable_in_place),
)
rules.add_rule(
    "bulletins.submit_bulletin",
    coordinates_object_city | has_staff_powers | (is_author & belongs_to_object_city),
)
