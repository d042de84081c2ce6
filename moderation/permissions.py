"""Who may moderate: Efus staff with MFA. Per-model rules (who may submit or edit) live in each
app's permissions.py, named ``<app_label>.submit_<model>`` and ``<app_label>.change_<model>``."""

import rules

from accounts.roles import has_staff_powers

rules.add_rule("moderation.moderate", has_staff_powers)
rules.add_rule("moderation.view_log", has_staff_powers)
