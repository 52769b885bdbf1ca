"""What a running canary costs a login (scripts_editor.deploy, issue 17 section 4), in a throw-away database
of its own: legacy logins through a script that accepts everyone,

(a) without a canary;
(b) with a canary of an equally healthy revision serving 50 % of users: each script call also counts its
    outcome (one conditional UPDATE of the canary's row), and half the users run the canary's revision.
"""

import statistics
import tempfile
import time
from pathlib import Path

from django.db import connection as db
from django.test import override_settings

from bench.support import bench_database, scriptd_in

LOGINS = 300
ACCEPTS = "function login(email, password, callback) {\n  callback(null, { user_id: 'b|' + email, email: email });\n}\n"


def _timed_logins(connection, tag: str) -> list[float]:
    from identity import services

    times = []
    for i in range(LOGINS):
        connection.refresh_from_db()  # as a request does: a fresh row, so the release is current
        started = time.perf_counter()
        services.user_login(connection=connection, username=f"user{i}-{tag}@bench.test", password="pw")
        times.append((time.perf_counter() - started) * 1000)
    return times


def _line(label: str, times: list[float]) -> str:
    p95 = statistics.quantiles(times, n=20)[-1]
    return f"  {label:<58} p50 {statistics.median(times):9.2f} ms   p95 {p95:9.2f} ms   ({len(times)} logins)"


def run() -> None:
    from connections_admin import services as connections
    from scripts_editor import deploy
    from scripts_editor.models import ScriptCanary
    from scripts_editor.scripts import SCRIPT_KEYS
    from scripts_editor.services import scripts_save

    with (
        tempfile.TemporaryDirectory() as tmp,
        bench_database(Path(tmp)),
        scriptd_in(Path(tmp), 1) as socket_path,
    ):
        with override_settings(
            SCRIPTD_SOCKET=socket_path, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
        ):
            connection = connections.connection_create(name="bench-canary", by=None, use_own_database=True)
            scripts = {k: "" for k in SCRIPT_KEYS} | {"login": ACCEPTS}
            scripts_save(connection=connection, scripts=scripts, base_number=0, by=None)
            _timed_logins(connection, "warm")  # warm isolates, caches
            without = _timed_logins(connection, "a")
            scripts_save(
                connection=connection,
                scripts=scripts | {"login": ACCEPTS + "// v2\n"},
                base_number=1,
                by=None,
                draft=True,
            )
            deploy.canary_start(connection=connection, number=2, by=None, percent=50)
            _timed_logins(connection, "warm2")
            with_canary = _timed_logins(connection, "b")
            canary = ScriptCanary.objects.get()
    print(f"  legacy logins through an accept-all login script (Django database: {db.vendor})")
    print(_line("(a) no canary", without))
    print(_line("(b) a healthy canary serving 50 % of users", with_canary))
    print(f"  canary calls {canary.canary_calls}, live calls {canary.live_calls}, state {canary.state}")
