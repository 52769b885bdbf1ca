from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from api.services import api_token_issue


class Command(BaseCommand):
    help = "Issue an API token for a user and print it (it is shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username")
        parser.add_argument(
            "--scopes", required=True, help='space separated, e.g. "read:connections update:connections"'
        )
        parser.add_argument("--name", default="cli", help="a name to recognise the token by")
        parser.add_argument("--expires-days", type=int, default=None, help="expire after this many days")

    def handle(self, *args, user, scopes, name, expires_days, **options):
        try:
            owner = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist as e:
            raise CommandError(f"No user named {user!r}.") from e
        expires_at = timezone.now() + timedelta(days=expires_days) if expires_days else None
        try:
            _, plaintext = api_token_issue(user=owner, name=name, scopes=scopes.split(), expires_at=expires_at)
        except ValidationError as e:
            raise CommandError(" ".join(m for ms in e.message_dict.values() for m in ms)) from e
        self.stdout.write(plaintext)
