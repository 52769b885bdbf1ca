"""The legacy store's circuit breaker (identity.circuit), in a throw-away database of its own: logins of a
user who has not migrated yet, through the PostgreSQL template, while the store accepts connections and
never answers (a listener that holds them):

(a) the circuit closed: each login waits for the driver's connection timeout (the template's 5 s);
(b) the circuit open (after those failures): each login fails at once with legacy_unavailable.

Target (issue 17): (b) p95 <= 20 ms.
"""

import socket
import statistics
import tempfile
import time
from pathlib import Path

from django.db import connection as db
from django.test import override_settings

from bench.support import bench_database, scriptd_in

OPEN_LOGINS = 300


def _holding_listener() -> socket.socket:
    """Accepts (the kernel completes the handshake) and never answers: a store that hangs."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    return listener


def _connection(port: int):
    from connections_admin import services as connections
    from scripts_editor.script_templates import template_bodies
    from scripts_editor.services import scripts_save

    connection = connections.connection_create(
        name="bench-circuit", by=None, use_own_database=True, import_users=True, egress_allowlist=[f"127.0.0.1:{port}"]
    )
    for key, value in {
        "PG_HOST": "127.0.0.1",
        "PG_PORT": str(port),
        "PG_DATABASE": "legacy_db",
        "PG_USER": "legacy_user",
    }.items():
        connections.configuration_variable_set(connection=connection, key=key, value=value, by=None)
    scripts_save(
        connection=connection, base_number=0, by=None, scripts=template_bodies("postgres", connection_name="bench")
    )
    return connection


def _timed_login(connection, expected: str) -> float:
    from identity import services
    from identity.exceptions import FlowFailed

    started = time.perf_counter()
    try:
        services.user_login(connection=connection, username="nobody@legacy.test", password="pw")
    except FlowFailed as e:
        if e.reason != expected:
            raise SystemExit(f"expected {expected}, got {e.reason}: {e.message}") from None
    else:
        raise SystemExit("the login succeeded against a store that never answers")
    return (time.perf_counter() - started) * 1000


def _timed_check(connection) -> float:
    """The circuit's own share of (b): one read of its row (the rest is the flow's FlowEvent and audit rows)."""
    from identity import circuit
    from identity.exceptions import FlowFailed

    started = time.perf_counter()
    try:
        circuit.circuit_admit(connection=connection)
    except FlowFailed:
        pass
    return (time.perf_counter() - started) * 1000


def _line(label: str, times: list[float]) -> str:
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
    return f"  {label:<58} p50 {statistics.median(times):9.2f} ms   p95 {p95:9.2f} ms   ({len(times)} logins)"


def run() -> None:
    failures = 3
    listener = _holding_listener()
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            bench_database(Path(tmp)),
            scriptd_in(Path(tmp), 1) as socket_path,
        ):
            with override_settings(
                SCRIPTD_SOCKET=socket_path,
                CIRCUIT_FAILURES=failures,
                CIRCUIT_COOLDOWN_S=3600,
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            ):
                connection = _connection(listener.getsockname()[1])
                waiting = [_timed_login(connection, "script_error") for _ in range(failures)]
                fast = [_timed_login(connection, "legacy_unavailable") for _ in range(OPEN_LOGINS)]
                check = [_timed_check(connection) for _ in range(OPEN_LOGINS)]
    finally:
        listener.close()
    print(f"  a legacy login while PostgreSQL holds connections unanswered (Django database: {db.vendor})")
    print(_line("(a) circuit closed: waits for the driver's timeout", waiting))
    print(_line(f"(b) circuit open (after {failures} failures): legacy_unavailable", fast))
    print(_line("    of which the circuit's check (one read of its row)", check))
    p95 = statistics.quantiles(fast, n=20)[-1]
    print(f"  (b) p95 = {p95:.2f} ms (target <= 20 ms): {'met' if p95 <= 20 else 'NOT met'}")
