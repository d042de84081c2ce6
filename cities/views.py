"""Public pages: home, the city directory, the wider network, a city's page."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from .filters import NetworkCityFilter
from .maps import europe_map
from .models import Body, City
from .sections import city_sections, home_sections

NETWORK_PAGE_SIZE = 50
# The directory's groups, in order, with their headings.
ROLE_GROUPS = (
    (City.ProjectRole.LEAD, _("Lead city")),
    (City.ProjectRole.PARTNER, _("Partner cities")),
    (City.ProjectRole.ASSOCIATED, _("Associated cities")),
)


def _project_cities() -> list[City]:
    return list(City.objects.in_project().with_details().order_by("name"))


def _by_role(cities: list[City]) -> list[dict[str, Any]]:
    """The project's cities grouped as lead, partners, associated cities (empty groups left out)."""
    groups = []
    for role, heading in ROLE_GROUPS:
        members = [c for c in cities if c.project_role == role]
        if members:
            groups.append({"role": role, "label": heading, "cities": members})
    return groups


def _directory_context() -> dict[str, Any]:
    cities = _project_cities()
    return {
        "groups": _by_role(cities),
        "cities_count": len(cities),
        "europe_map": europe_map(cities),
        "network_count": City.objects.network().count(),
    }


def home(request: HttpRequest) -> HttpResponse:
    """Public: what PACTESUR 2 and the network are, the 15 cities, a map, what members can do."""
    context = {**_directory_context(), "sections": home_sections(request)}
    return render(request, "cities/home.html", context)


def city_list(request: HttpRequest) -> HttpResponse:
    """Public: the city directory, grouped by role in the project, and the map."""
    return render(request, "cities/city_list.html", _directory_context())


def network_list(request: HttpRequest) -> HttpResponse:
    """Public: the wider Efus network (cities and regions), filterable by country, paginated."""
    filterset = NetworkCityFilter(
        request.GET or None, queryset=City.objects.network().order_by("name", "country")
    )
    page = Paginator(filterset.qs, NETWORK_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "cities": page.object_list,
        "query": query.urlencode(),
    }
    return render(request, "cities/network_list.html", context)


def _coordinators_prefetch() -> Prefetch:
    """Each body's approved, active coordinators, as ``body.coordinators`` (on a city query).

    ``cities`` does not import ``accounts`` (apps import in one direction, STYLE.md §1): the
    membership model and its ``coordinators()`` queryset are reached through Body's reverse
    relation.
    """
    membership_model: Any = Body._meta.get_field("memberships").related_model
    coordinators = (
        membership_model._default_manager.coordinators()
        .filter(user__is_active=True)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )
    return Prefetch("bodies__memberships", queryset=coordinators, to_attr="coordinators")


def city_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Public: a city, its participating body and a role-based contact.

    Coordinators' names are shown to approved members only; nobody's personal address is shown.
    """
    city = get_object_or_404(
        City.objects.with_details().prefetch_related(_coordinators_prefetch()), slug=slug
    )
    bodies = list(city.bodies.all())
    context = {
        "city": city,
        "bodies": bodies,
        "has_contact": any(b.contact_email or getattr(b, "coordinators", None) for b in bodies),
        "show_coordinator_names": bool(getattr(request.user, "is_member", False)),
        "sections": city_sections(request, city),
    }
    return render(request, "cities/city_detail.html", context)
