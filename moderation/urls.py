from django.urls import path

from . import views
from .decisions import DECISIONS

app_name = "moderation"

urlpatterns = [
    path("moderation/", views.queue, name="queue"),
    path("moderation/log/", views.log, name="log"),
    path("moderation/log/export.csv", views.log_csv, name="log_csv"),
    path("moderation/<str:label>/<int:pk>/report/", views.report, name="report"),
    path("moderation/<str:label>/<int:pk>/still-current/", views.mark_current, name="mark_current"),
    path("moderation/<str:label>/<int:pk>/review-by/", views.set_review_by, name="set_review_by"),
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
