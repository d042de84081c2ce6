from django.urls import path

from . import views

app_name = "exchanges"

urlpatterns = [
    path("exchanges/", views.offer_list, name="offer_list"),
    path("exchanges/for-me/", views.for_me, name="for_me"),
    path("exchanges/city/", views.city_page, name="city"),
    path("exchanges/calendar/", views.calendar, name="calendar"),
    path("exchanges/figures/", views.figures, name="figures"),
    path("exchanges/figures/<slug:key>.csv", views.figures_csv, name="figures_csv"),
    path("exchanges/calendar/<str:token>.ics", views.calendar_ics, name="calendar_ics"),
    path("exchanges/offers/new/", views.offer_create, name="offer_create"),
    path("exchanges/offers/<int:pk>/", views.offer_detail, name="offer_detail"),
    path("exchanges/offers/<int:pk>/edit/", views.offer_edit, name="offer_edit"),
    path("exchanges/offers/<int:pk>/submit/", views.offer_submit, name="offer_submit"),
    path("exchanges/offers/<int:pk>/windows/", views.window_add, name="window_add"),
    path(
        "exchanges/offers/<int:pk>/windows/<int:window_pk>/delete/",
        views.window_delete,
        name="window_delete",
    ),
    path("exchanges/offers/<int:pk>/apply/", views.apply, name="apply"),
    path("exchanges/applications/<int:pk>/", views.application_detail, name="application_detail"),
    path(
        "exchanges/applications/<int:pk>/steps/<slug:name>/",
        views.application_step,
        name="application_step",
    ),
    path("exchanges/applications/<int:pk>/evaluation/", views.evaluate, name="evaluate"),
    path("exchanges/applications/<int:pk>/report/", views.report, name="report"),
    path(
        "exchanges/applications/<int:pk>/report/practice/",
        views.report_practice,
        name="report_practice",
    ),
    path(
        "exchanges/applications/<int:pk>/report/attach/", views.report_attach, name="report_attach"
    ),
    path("exchanges/applications/<int:pk>/follow-up/", views.follow_up, name="follow_up"),
]
