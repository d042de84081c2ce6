import factory

from cities.models import Body, City, Theme


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Theme {n}")
    slug = factory.Sequence(lambda n: f"theme-{n}")


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City

    name = factory.Sequence(lambda n: f"Testville {n}")
    slug = factory.Sequence(lambda n: f"testville-{n}")
    country = "FR"
    project_role = City.ProjectRole.ASSOCIATED
    latitude = 45
    longitude = 5


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body

    city = factory.SubFactory(CityFactory)
    official_name = factory.Sequence(lambda n: f"Police municipale {n}")
    type = Body.Type.MUNICIPAL_POLICE


def reference_body(city_slug: str) -> Body:
    """A body from the reference data (the 15 cities and Efus are present in every test DB)."""
    return Body.objects.select_related("city").get(city__slug=city_slug)
