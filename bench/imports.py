"""Bulk user import (identity.imports.user_import_run, the Celery task's body) in a throw-away database:
users per second for a file of mixed hash formats in Auth0's user-import format. The hashes are made
before the clock starts: an import stores them as they are, so their cost is not the import's."""

import json
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connection as db

USERS = 20_000


def run() -> None:
    from connections_admin import crypto
    from connections_admin import services as connections
    from identity import imports
    from identity.models import UserImportJob
    from tests.identity.import_users import FORMATS, user

    rows = [user(n, FORMATS[n % len(FORMATS)]) for n in range(USERS)]
    text = json.dumps(rows)
    with tempfile.TemporaryDirectory() as tmp:
        if db.vendor == "sqlite":
            settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(Path(tmp) / "bench.sqlite3")
        old_name = db.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            connection = connections.connection_create(name="bench-import", by=None)
            job = UserImportJob.objects.create(
                connection=connection, total=USERS, payload_encrypted=crypto.encrypt(text), status="processing"
            )
            started = time.perf_counter()
            imports.user_import_run(job_id=job.pk)
            seconds = time.perf_counter() - started
            job.refresh_from_db()
        finally:
            db.creation.destroy_test_db(old_name, verbosity=0)
    if job.inserted != USERS:
        raise SystemExit(f"the import inserted {job.inserted} of {USERS}: {job.errors[:3]}")
    print(
        f"  bulk import, {USERS} users in {len(FORMATS)} hash formats ({len(text) / 1e6:.1f} MB, database: {db.vendor})"
    )
    print(f"  {USERS / seconds:,.0f} users/s ({seconds:.1f} s, parse + check + insert, in chunks of {imports.CHUNK})")
