from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", include("cities.urls")),
    path("", include("accounts.urls")),
    path("", include("practices.urls")),
    path("", include("moderation.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", views.health, name="health"),
    path("admin/", admin.site.urls),
]
