"""Development set-up for `make run`: a superuser (its password printed once) and a demo connection."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from connections_admin import services as connections
from connections_admin.models import Connection

DEMO_NAME = "demo-legacy"


class Command(BaseCommand):
    help = "Create the development superuser and the demo connection (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    @transaction.atomic
    def handle(self, *args, username, **options):
        User = get_user_model()
        if not User.objects.filter(username=username).exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(username=username, email=f"{username}@localhost", password=password)
            # Shown once and stored nowhere: reset it with `manage.py changepassword admin`.
            self.stdout.write(self.style.SUCCESS(
                f"Development superuser: {username} / {password}  (shown once; `manage.py changepassword {username}`"
                " sets a new one)"))
        admin = User.objects.get(username=username)
        if not Connection.objects.filter(name=DEMO_NAME).exists():
            connection = connections.connection_create(
                name=DEMO_NAME, display_name="Demo legacy user store", by=admin, use_own_database=True,
                import_users=True)
            connections.configuration_variable_set(
                connection=connection, key="API_TOKEN", value=secrets.token_urlsafe(24), by=admin)
            self.stdout.write(f"Demo connection {DEMO_NAME} created.")
