"""`python manage.py scriptd`: start the sandbox service that runs action scripts.

It replaces this process with the Node supervisor (so signals reach it directly), with the socket
path from settings and an empty environment: no Django secret reaches the sandbox.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from scriptd_client.client import scriptd_command


class Command(BaseCommand):
    help = "Run scriptd, the isolated-vm sandbox that executes connection action scripts."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
        parser.add_argument("--socket", default=None, help=f"Unix socket path (default: {settings.SCRIPTD_SOCKET})")

    def handle(self, *args, workers, socket, **options):
        socket_path = str(Path(socket or settings.SCRIPTD_SOCKET).resolve())
        # In development scriptd still starts without bubblewrap, with a loud warning; in production an
        # unconfined sandbox is refused: after a V8 escape it would read this host's secrets and database.
        argv, env = scriptd_command(socket_path=socket_path, workers=workers, allow_unconfined=not settings.PRODUCTION)
        self.stdout.write(f"scriptd: starting on {socket_path}")
        self.stdout.flush()
        os.execve(argv[0], argv, env)
