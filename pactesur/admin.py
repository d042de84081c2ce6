"""The admin site, for Efus staff only, behind allauth's login (and so behind MFA)."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.db.models.base import ModelBase
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import has_staff_powers

from .forms import SafeInputMixin, with_safe_input


def _safe_changelist_form(model_admin: Any) -> Any:
    """The form of the change list's editable rows (``list_editable``), with the input rule."""
    get_form = model_admin.get_changelist_form

    def get_changelist_form(request: HttpRequest, **kwargs: Any) -> Any:
        return with_safe_input(get_form(request, **kwargs))

    return get_changelist_form


class AdminSite(admin.AdminSite):
    site_header = _("PACTESUR administration")
    site_title = _("PACTESUR administration")
    index_title = _("Run the network")

    def has_permission(self, request: HttpRequest) -> bool:
        return has_staff_powers(request.user)

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        """Every admin form, ours and those of the apps we use, follows the site's input rule
        (``pactesur.forms.SafeInputMixin``): no control characters, nothing echoed that HTML
        forbids."""
        super().register(model_or_iterable, admin_class, **options)
        models = (
            [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else model_or_iterable
        )
        for model in models:
            model_admin: Any = self._registry.get(model)  # type: ignore[arg-type]
            if model_admin is None:  # a swapped model (auth.User) is not registered
                continue
            model_admin.form = with_safe_input(model_admin.form)
            if getattr(model_admin, "add_form", None) is not None:
                model_admin.add_form = with_safe_input(model_admin.add_form)
            model_admin.get_changelist_form = _safe_changelist_form(model_admin)
            model_admin.inlines = [
                inline
                if issubclass(inline.form, SafeInputMixin)
                else type(inline.__name__, (inline,), {"form": with_safe_input(inline.form)})
                for inline in model_admin.inlines
            ]

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """Send everyone through the site's own login, which enforces two-factor authentication."""
        next_url = request.GET.get("next") or reverse("admin:index")
        if request.user.is_authenticated:
            # Signed in but not allowed (yet): the dashboard says why (e.g. MFA not set up).
            return HttpResponseRedirect(reverse("accounts:dashboard"))
        return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
