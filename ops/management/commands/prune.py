"""`python manage.py prune`: delete login events, script runs, audit rows and sessions past their retention."""

from django.conf import settings
from django.core.management.base import BaseCommand

from ops.services import retention_prune


class Command(BaseCommand):
    help = "Delete rows older than the TRICKLE_RETENTION_* ages (login events, script runs, audit rows, sessions)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help=f"rows per transaction (default {settings.RETENTION_BATCH_SIZE})",
        )

    def handle(self, *args, dry_run, batch_size, **options):
        ages = ", ".join(f"{name} {days or 'forever'}" for name, days in settings.RETENTION_DAYS.items())
        self.stdout.write(f"Retention in days: {ages}")
        verb = "would delete" if dry_run else "deleted"

        def progress(label: str, count: int, done: bool) -> None:
            if done:
                self.stdout.write(self.style.SUCCESS(f"{label}: {verb} {count}"))
            else:
                self.stdout.write(f"{label}: {count} so far…")
            self.stdout.flush()

        retention_prune(dry_run=dry_run, batch_size=batch_size, progress=progress)
