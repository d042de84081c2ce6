from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Body, City


def _project_cities():
    return (
        City.objects.in_project()
        .prefetch_related("challenges", Prefetch("bodies", queryset=Body.objects.order_by("official_name")))
        .order_by("name")
    )


def home(request: HttpRequest) -> HttpResponse:
    """Public: what the network is and its 15 cities."""
    cities = list(_project_cities())
    return render(request, "cities/home.html", {"cities": cities, "network_count": City.objects.network().count()})


def city_list(request: HttpRequest) -> HttpResponse:
    """Public: the city directory."""
    cities = list(_project_cities())
    return render(request, "cities/city_list.html", {"cities": cities})


def city_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Public: a city page with its body, type, challenges and role-based contact."""
    city = get_object_or_404(
        City.objects.prefetch_related("challenges", "bodies"), slug=slug
    )
    return render(request, "cities/city_detail.html", {"city": city, "bodies": list(city.bodies.all())})
