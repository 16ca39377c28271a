from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Parley timeline"
    default = True


class ParleyAdminConfig(admin_apps.AdminConfig):
    """Django's admin, served by Parley's own site (tracker.admin_site)."""

    default = False
    default_site = "tracker.admin_site.ParleyAdminSite"
