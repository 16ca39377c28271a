from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from tracker import views
from tracker.security import ThrottledAuthenticationForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
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
