from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("moderation/", views.queue, name="queue"),
    path("moderation/log/", views.log, name="log"),
    path("moderation/<str:label>/<int:pk>/", views.review, name="review"),
    path("moderation/<str:label>/<int:pk>/publish/", views.publish, name="publish"),
    path(
        "moderation/<str:label>/<int:pk>/request-changes/",
        views.request_changes,
        name="request_changes",
    ),
    path("moderation/<str:label>/<int:pk>/unpublish/", views.unpublish, name="unpublish"),
]
