from django.urls import path

from . import views

app_name = "cities"

urlpatterns = [
    path("", views.home, name="home"),
    path("cities/", views.city_list, name="list"),
    path("network/", views.network_list, name="network"),
    path("cities/<slug:slug>/", views.city_detail, name="detail"),
]
