from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from tracker.security import ThrottledAuthenticationForm
from tracker.views.actor import actor_detail
from tracker.views.embed import embed
from tracker.views.events import drill_detail, meeting_detail
from tracker.views.exports import export_csv, export_ics, export_json, export_timelinejs
from tracker.views.http import favicon
from tracker.views.suggestions import actor_suggestions
from tracker.views.timeline import timeline
from tracker.views.who_meets_whom import who_meets_whom

urlpatterns = [
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", timeline, name="timeline"),
    path("who-meets-whom/", who_meets_whom, name="who_meets_whom"),
    path("actors/suggest/", actor_suggestions, name="actor_suggestions"),
    path("actors/<slug:slug>/", actor_detail, name="actor_detail"),
    path("meetings/<slug:slug>/", meeting_detail, name="meeting_detail"),
    path("drills/<slug:slug>/", drill_detail, name="drill_detail"),
    path("export.csv", export_csv, name="export_csv"),
    path("export.ics", export_ics, name="export_ics"),
    path("export.json", export_json, name="export_json"),
    path("export.timeline.json", export_timelinejs, name="export_timelinejs"),
    path("embed/", embed, name="embed"),
]

handler500 = "tracker.views.errors.server_error"
