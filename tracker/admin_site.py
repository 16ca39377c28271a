"""Parley's admin site: Django's, with the throttled login form and the article import among its own URLs."""

from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, URLResolver, path

from tracker.security import ThrottledAdminAuthenticationForm


class ParleyAdminSite(admin.AdminSite):
    login_form = ThrottledAdminAuthenticationForm

    def get_urls(self) -> list[URLPattern | URLResolver]:
        from tracker import admin_import

        # admin_view asks for a staff login and keeps the pages out of caches, as for every admin page.
        return [
            path("import-article/", self.admin_view(admin_import.import_article), name="import_article"),
            path("import-article/<str:token>/", self.admin_view(admin_import.review_article), name="review_article"),
            *super().get_urls(),
        ]
