from django.contrib import admin
from django.urls import path

from tracker import article_import, views

urlpatterns = [
    path("admin/import-article/", article_import.import_article, name="import_article"),
    path("admin/import-article/<str:token>/", article_import.review_article, name="review_article"),
    path("admin/", admin.site.urls),
    path("", views.timeline, name="timeline"),
]
