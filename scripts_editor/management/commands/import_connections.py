"""python manage.py import_connections DIR [--dry-run] [--keywords FILE] [--allow-delete]"""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scripts_editor.as_code.apply import connections_import
from scripts_editor.as_code.exceptions import AsCodeRejected
from scripts_editor.as_code.keywords import keywords_load
from scripts_editor.as_code.plan import import_prepare, plan_text

# Trickle's own settings never become keywords: a `##SECRET_KEY##` in a script file would copy the
# server's secrets into a script revision that every viewer can read.
OWN_SETTINGS = {"SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS"}


def _keyword_environ() -> dict[str, str]:
    return {
        name: value
        for name, value in os.environ.items()
        if name not in OWN_SETTINGS and not name.startswith(("TRICKLE_", "DJANGO_"))
    }


class Command(BaseCommand):
    help = (
        "Import connections from auth0-deploy-cli's directory or YAML layout. @@KEY@@ becomes the JSON-encoded "
        "value and ##KEY## the value itself, taken from --keywords and, below it, the environment. Everything "
        "is validated before anything changes, and the whole import is one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Print what would change; change nothing.")
        parser.add_argument("--keywords", type=Path, help="JSON object {KEY: value} for keyword replacement.")
        parser.add_argument(
            "--allow-delete",
            action="store_true",
            help="Delete connections (and configuration keys) that the files do not list.",
        )

    def handle(self, *args, directory: Path, dry_run: bool, keywords: Path | None, allow_delete: bool, **options):
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a folder.")
        try:
            plan = import_prepare(
                root=directory,
                keywords=keywords_load(file=keywords, environ=_keyword_environ()),
                allow_delete=allow_delete,
            )
            self.stdout.write(plan_text(plan))
            if dry_run:
                self.stdout.write("Dry run: nothing was changed.")
                return
            if not plan.has_changes:
                self.stdout.write("Nothing to import.")
                return
            result = connections_import(plan=plan, by=None)
        except AsCodeRejected as e:
            raise CommandError(f"Nothing was imported:\n{e}") from e
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported: {len(result.created)} created, {len(result.updated)} changed, {len(result.deleted)} deleted."
            )
        )
