"""Who may moderate: Efus staff with MFA. Per-model rules (who may submit or edit) live in each
app's permissions.py, named ``<app_label>.submit_<model>`` and ``<app_label>.change_<model>``."""

import rules

from accounts.permissions import is_efus_staff

rules.add_rule("moderation.moderate", is_efus_staff)
rules.add_rule("moderation.view_log", is_efus_staff)
