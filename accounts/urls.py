from django.urls import path

from . import certificate_views, views

app_name = "accounts"

urlpatterns = [
    path("me/", views.dashboard, name="dashboard"),
    path("me/profile/", views.profile, name="profile"),
    path("me/join/", views.join, name="join"),
    path("me/export/", views.export, name="export"),
    path("me/delete/", views.delete, name="delete"),
    path(
        "me/certificates/<int:pk>/pdf/",
        certificate_views.certificate_download,
        name="certificate_download",
    ),
    path("certificates/", certificate_views.certificate_lookup, name="certificate_lookup"),
    path(
        "certificates/<str:code>/",
        certificate_views.certificate_verify,
        name="certificate_verify",
    ),
    path("members/", views.members, name="members"),
    path("members/<int:pk>/approve/", views.membership_approve, name="membership_approve"),
    path("members/<int:pk>/remove/", views.membership_remove, name="membership_remove"),
    path(
        "members/<int:pk>/coordinator/appoint/",
        views.coordinator_appoint,
        name="coordinator_appoint",
    ),
    path(
        "members/<int:pk>/coordinator/remove/",
        views.coordinator_remove,
        name="coordinator_remove",
    ),
]
