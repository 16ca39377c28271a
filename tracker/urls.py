from django.contrib import admin
from django.urls import path

from tracker import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", views.timeline, name="timeline"),
    path("who-meets-whom/", views.who_meets_whom, name="who_meets_whom"),
    path("actors/suggest/", views.actor_suggestions, name="actor_suggestions"),
    path("actors/<slug:slug>/", views.actor_detail, name="actor_detail"),
    path("meetings/<slug:slug>/", views.meeting_detail, name="meeting_detail"),
    path("drills/<slug:slug>/", views.drill_detail, name="drill_detail"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.ics", views.export_ics, name="export_ics"),
    path("export.json", views.export_json, name="export_json"),
]
