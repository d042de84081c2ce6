from django.urls import path, re_path

from . import views

app_name = "digests"

urlpatterns = [
    path("", views.archive, name="archive"),
    path("feed/", views.ArchiveFeed(), name="archive_feed"),
    re_path(r"^(?P<period>\d{4}-W\d{2})/$", views.archive_week, name="archive_week"),
    path("staff/", views.runs, name="runs"),
    path("staff/suspended/", views.suspended, name="suspended"),
    path("staff/suspended/<int:pk>/reinstate/", views.reinstate, name="reinstate"),
    path("staff/preview/", views.preview, name="preview"),
    path("staff/preview/<int:pk>/html/", views.preview_html, name="preview_html"),
    path("staff/preview/<int:pk>/test/", views.send_test, name="send_test"),
    path("bounces/<slug:esp>/", views.esp_tracking, name="esp_tracking"),
    path("inbound/<slug:esp>/", views.esp_inbound, name="esp_inbound"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/sent/", views.subscribe_sent, name="subscribe_sent"),
    path("subscribe/member/", views.subscribe_member, name="subscribe_member"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("preferences/<str:token>/delete/", views.delete, name="delete"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
