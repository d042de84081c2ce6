"""The admin site, for Efus staff only, behind allauth's login (and so behind MFA)."""

from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import has_staff_powers


class AdminSite(admin.AdminSite):
    site_header = _("PACTESUR administration")
    site_title = _("PACTESUR administration")
    index_title = _("Run the network")

    def has_permission(self, request: HttpRequest) -> bool:
        return has_staff_powers(request.user)

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """Send everyone through the site's own login, which enforces two-factor authentication."""
        next_url = request.GET.get("next") or reverse("admin:index")
        if request.user.is_authenticated:
            # Signed in but not allowed (yet): the dashboard says why (e.g. MFA not set up).
            return HttpResponseRedirect(reverse("accounts:dashboard"))
        return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
