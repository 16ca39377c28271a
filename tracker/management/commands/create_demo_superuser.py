"""python manage.py create_demo_superuser: an `admin` account for a fresh development machine."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

USERNAME = "admin"


class Command(BaseCommand):
    help = "With DEBUG on and no superuser yet, create the superuser 'admin' with a random password and print it once."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            self.stdout.write(
                "No demo superuser created: DEBUG is off, and production accounts are made with createsuperuser."
            )
            return
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("No demo superuser created: a superuser already exists.")
            return
        password = secrets.token_urlsafe(16)
        User.objects.create_superuser(username=USERNAME, email="", password=password)
        self.stdout.write(
            self.style.SUCCESS(f"Created superuser '{USERNAME}' with password {password} (shown only this once).")
        )
