"""Development set-up for `make run`: a superuser (its password printed once) and a demo connection in
migration mode whose REST API scripts reach the demo legacy store served under /demo-legacy/."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from connections_admin import services as connections
from connections_admin.models import Connection
from identity.demo_legacy import DEMO_NAME, DEMO_USERS, demo_legacy_users_seed
from scripts_editor import selectors as script_selectors
from scripts_editor.script_templates import template_bodies
from scripts_editor.services import scripts_save

DEMO_HOST = "127.0.0.1:8000"  # where `make run` serves Trickle, and so the demo legacy API


class Command(BaseCommand):
    help = "Create the development superuser, the demo connection and the demo legacy users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    @transaction.atomic
    def handle(self, *args, username, **options):
        if settings.PRODUCTION:  # its superuser and the demo store's plain passwords are for trying it out
            raise CommandError("setup_demo is for development; production does not serve the demo legacy API.")
        User = get_user_model()
        if not User.objects.filter(username=username).exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(username=username, email=f"{username}@localhost", password=password)
            # Shown once and stored nowhere: reset it with `manage.py changepassword admin`.
            self.stdout.write(
                self.style.SUCCESS(
                    f"Development superuser: {username} / {password}  (shown once; `manage.py changepassword {username}`"
                    " sets a new one)"
                )
            )
        admin = User.objects.get(username=username)
        connection = Connection.objects.filter(name=DEMO_NAME).first()
        if connection is None:
            connection = connections.connection_create(
                name=DEMO_NAME,
                display_name="Demo legacy user store",
                by=admin,
                use_own_database=True,
                import_users=True,
            )
            connections.configuration_variable_set(
                connection=connection, key="API_TOKEN", value=secrets.token_urlsafe(24), by=admin
            )
            self.stdout.write(f"Demo connection {DEMO_NAME} created.")
        self._wire_to_demo_store(connection, by=admin)
        demo_legacy_users_seed()
        self.stdout.write(
            f"Demo legacy users (log in on the connection's Try connection tab, or POST "
            f"/api/v2/connections/{connection.public_id}/authenticate):"
        )
        for email, _, password, _ in DEMO_USERS:
            self.stdout.write(f"  {email} / {password}")

    def _wire_to_demo_store(self, connection: Connection, *, by) -> None:
        """Point a demo connection that predates the demo store at it; an admin's own changes are kept."""
        if DEMO_HOST not in connection.egress_allowlist:
            connections.connection_update(
                connection=connection, by=by, egress_allowlist=[*connection.egress_allowlist, DEMO_HOST]
            )
        if not connection.variables.filter(key="API_URL").exists():
            connections.configuration_variable_set(
                connection=connection, key="API_URL", value=f"http://{DEMO_HOST}/demo-legacy", plain=True, by=by
            )  # an address, not a secret: shown, and never masked in the runs' logs
        if script_selectors.script_revision_current(connection=connection).number == 0:
            scripts_save(
                connection=connection,
                by=by,
                base_number=0,
                message="REST API template for the demo store",
                scripts=template_bodies(
                    "rest_api", connection_name=connection.name, context=connection.enable_script_context
                ),
            )
