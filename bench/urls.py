"""The project's URL patterns plus ``bench/ceiling/`` (only under ``bench.wsgi``)."""

from django.urls import path

from pactesur.urls import urlpatterns as project_urlpatterns

from .views import ceiling

urlpatterns = [*project_urlpatterns, path("bench/ceiling/", ceiling, name="bench_ceiling")]
