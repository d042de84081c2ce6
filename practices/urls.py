from django.urls import path

from .views import authoring, browse

app_name = "practices"

urlpatterns = [
    # Reading (views/browse.py)
    path("practices/", browse.practice_list, name="list"),
    path("practices/export.csv", browse.practice_export_csv, name="export_csv"),
    path("practices/export.json", browse.practice_export_json, name="export_json"),
    path("practices/feed/rss/", browse.LatestPracticesRss(), name="feed_rss"),
    path("practices/feed/atom/", browse.LatestPracticesAtom(), name="feed_atom"),
    path("practices/feed/<slug:theme>/rss/", browse.ThemePracticesRss(), name="theme_feed_rss"),
    path("practices/feed/<slug:theme>/atom/", browse.ThemePracticesAtom(), name="theme_feed_atom"),
    # Writing (views/authoring.py)
    path("practices/new/", authoring.practice_create, name="create"),
    path("practices/mine/", authoring.practice_mine, name="mine"),
    path("practices/<int:pk>/edit/", authoring.practice_edit, name="edit"),
    path("practices/<int:pk>/submit/", authoring.practice_submit, name="submit"),
    path(
        "practices/<int:pk>/attachments/<int:attachment_pk>/",
        authoring.attachment_download,
        name="attachment",
    ),
    path(
        "practices/<int:pk>/attachments/<int:attachment_pk>/delete/",
        authoring.attachment_delete,
        name="attachment_delete",
    ),
    path("practices/<int:pk>/adopt/", authoring.adoption_create, name="adopt"),
    # Last: "<pk>/<slug>/" would otherwise swallow "<pk>/edit/", "<pk>/submit/" and "<pk>/adopt/".
    path("practices/<int:pk>/", browse.practice_detail, name="detail_short"),
    path("practices/<int:pk>/<slug:slug>/", browse.practice_detail, name="detail"),
]
