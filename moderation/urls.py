from django.urls import path

from . import views
from .decisions import DECISIONS

app_name = "moderation"

urlpatterns = [
    path("moderation/", views.queue, name="queue"),
    path("moderation/log/", views.log, name="log"),
    path("moderation/<str:label>/<int:pk>/", views.review, name="review"),
    # One URL per decision (moderation/decisions.py), all taken by one view.
    *[
        path(
            f"moderation/<str:label>/<int:pk>/{decision.path}/",
            views.decide,
            {"decision": decision.name},
            name=decision.name,
        )
        for decision in DECISIONS
    ],
]
