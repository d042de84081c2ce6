from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", include("cities.urls")),
    path("", include("accounts.urls")),
    path("", include("practices.urls")),
    path("", include("trainings.urls")),
    path("", include("moderation.urls")),
    path("", include("exchanges.urls")),
    path("digests/", include("digests.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", views.health, name="health"),
    path("admin/", admin.site.urls),
]

# The 500 page, or the 503 page when the database cannot be reached (neither needs it).
handler500 = "pactesur.views.server_error"
