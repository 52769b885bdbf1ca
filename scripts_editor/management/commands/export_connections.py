"""python manage.py export_connections DIR [--format directory|yaml] [--name NAME ...]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scripts_editor.as_code.exceptions import AsCodeRejected
from scripts_editor.as_code.export import KEYWORDS_EXAMPLE_FILE, connections_export, export_write
from scripts_editor.as_code.layout import DIRECTORY, LAYOUTS


class Command(BaseCommand):
    help = (
        "Write connections in auth0-deploy-cli's directory or YAML layout. Configuration values are never "
        "written: each becomes a ##KEY## reference, and the keys to supply are listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--format", choices=LAYOUTS, default=DIRECTORY)
        parser.add_argument("--name", action="append", default=[], help="Export only this connection (repeatable).")

    def handle(self, *args, directory: Path, format: str, name: list[str], **options):
        try:
            export = connections_export(layout=format, names=name)
            export_write(export=export, directory=directory)
        except AsCodeRejected as e:
            raise CommandError(str(e)) from e
        self.stdout.write(f"Exported {len(export.names)} connection(s) to {directory} ({format} layout).")
        if export.keywords:
            self.stdout.write(
                f"Configuration keywords (see {KEYWORDS_EXAMPLE_FILE}). Importing into these same "
                "connections keeps the stored value of any keyword you leave out; a new connection "
                "needs each one supplied (import_connections --keywords FILE):"
            )
            for keyword, names in export.keywords.items():
                self.stdout.write(f"  {keyword}  ({', '.join(names)})")
