from django.core.management.base import BaseCommand

from connections_admin.services import configuration_reencrypt_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every configuration value with the first key of TRICKLE_ENCRYPTION_KEYS. Rotation: put the new "
        "key first (keep the old ones after it), run this, then remove the old keys."
    )

    def handle(self, *args, **options):
        count = configuration_reencrypt_all()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} configuration value(s) with the first key."))
