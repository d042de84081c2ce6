from django.urls import path

from .views import browse, hosting, registrations

app_name = "trainings"

urlpatterns = [
    # Reading (views/browse.py)
    path("trainings/", browse.training_list, name="list"),
    path("trainings/<int:pk>.ics", browse.training_ics, name="ics"),
    path("trainings/calendar/<str:token>.ics", browse.member_feed, name="feed"),
    path("trainings/participation/", browse.participation, name="participation"),
    # Registering (views/registrations.py)
    path("trainings/mine/", registrations.mine, name="mine"),
    path("trainings/mine/calendar/", registrations.feed_renew, name="feed_renew"),
    path("trainings/city/", registrations.city_registrations, name="city"),
    path("trainings/<int:pk>/register/", registrations.register, name="register"),
    path("registrations/<int:pk>/cancel/", registrations.cancel, name="cancel"),
    path("registrations/<int:pk>/accept/", registrations.offer_accept, name="offer_accept"),
    path("registrations/<int:pk>/decline/", registrations.offer_decline, name="offer_decline"),
    path("registrations/<int:pk>/decide/", registrations.decide, name="decide"),
    path("registrations/<int:pk>/certificate/", registrations.certificate, name="certificate"),
    # Hosting (views/hosting.py)
    path("trainings/new/", hosting.training_create, name="create"),
    path("trainings/<int:pk>/edit/", hosting.training_edit, name="edit"),
    path("trainings/<int:pk>/submit/", hosting.training_submit, name="submit"),
    path("trainings/<int:pk>/sessions/", hosting.sessions, name="sessions"),
    path(
        "trainings/<int:pk>/sessions/<int:session_pk>/delete/",
        hosting.session_delete,
        name="session_delete",
    ),
    path("trainings/<int:pk>/seats/", hosting.seats, name="seats"),
    path("trainings/<int:pk>/materials/", hosting.materials, name="materials"),
    path(
        "trainings/<int:pk>/materials/<int:material_pk>/",
        hosting.material_download,
        name="material",
    ),
    path(
        "trainings/<int:pk>/materials/<int:material_pk>/delete/",
        hosting.material_delete,
        name="material_delete",
    ),
    path("trainings/<int:pk>/register-member/", hosting.register_member, name="register_member"),
    path("trainings/<int:pk>/participants/", hosting.participants, name="participants"),
    path("trainings/<int:pk>/participants.csv", hosting.participants_csv, name="participants_csv"),
    path(
        "trainings/<int:pk>/sessions/<int:session_pk>/attendance/",
        hosting.attendance,
        name="attendance",
    ),
    # Last: "<pk>/<slug>/" would otherwise swallow the pages above.
    path("trainings/<int:pk>/", browse.training_detail, name="detail_short"),
    path("trainings/<int:pk>/<slug:slug>/", browse.training_detail, name="detail"),
]
