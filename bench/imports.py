"""Bulk user import (identity.imports.user_import_run, the Celery task's body) in a throw-away database:
users per second for a file of mixed hash formats in Auth0's user-import format. The hashes are made
before the clock starts: an import stores them as they are, so their cost is not the import's."""

import json
import tempfile
import time
from pathlib import Path

from django.db import connection as db

from bench.support import bench_database

USERS = 20_000


def run() -> None:
    from connections_admin import crypto
    from connections_admin import services as connections
    from identity import imports
    from identity.models import UserImportJob
    from tests.identity.import_users import FORMATS, user

    rows = [user(n, FORMATS[n % len(FORMATS)]) for n in range(USERS)]
    text = json.dumps(rows)
    with tempfile.TemporaryDirectory() as tmp, bench_database(Path(tmp)):
        connection = connections.connection_create(name="bench-import", by=None)
        job = UserImportJob.objects.create(
            connection=connection, total=USERS, payload_encrypted=crypto.encrypt(text), status="processing"
        )
        started = time.perf_counter()
        imports.user_import_run(job_id=job.pk)
        seconds = time.perf_counter() - started
        job.refresh_from_db()
    if job.inserted != USERS:
        raise SystemExit(f"the import inserted {job.inserted} of {USERS}: {job.errors[:3]}")
    print(
        f"  bulk import, {USERS} users in {len(FORMATS)} hash formats ({len(text) / 1e6:.1f} MB, database: {db.vendor})"
    )
    print(f"  {USERS / seconds:,.0f} users/s ({seconds:.1f} s, parse + check + insert, in chunks of {imports.CHUNK})")
