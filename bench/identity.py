"""Logins through the identity runtime (identity.services.user_login: lookup, scripts, profile checks,
FlowEvent and audit rows), in a throw-away database of its own:

(a) a managed-store user (migrated earlier): answered locally, Django's password hasher included;
(b) a legacy-mode login whose script does a bcrypt(10) compare (native bcrypt) against PostgreSQL with the real pg;
(c) the same login function in plain Node with the real pg and native bcrypt (the limit; bench.bridges' code).

One stream of logins per core for a fixed time. Targets (issue 7): (b) >= 90 % of (c)'s throughput;
(a) p50 under 5 ms plus the password hash's own cost. Issue 18: (a) on one stream, with the store's own
hasher (Argon2id at OWASP's parameters), p50 <= 60 ms.
"""

import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import connection as db
from django.test import override_settings

from bench.bridges import BRIDGED, PLAIN, _fnv_worker, _plain_once
from bench.support import (
    EMAIL,
    PASSWORD,
    PG_URL,
    WARM_UP_SECONDS,
    bench_database,
    legacy_users_table,
    scriptd_in,
    timed_streams,
)

SECONDS = 8.0
CHEAP_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
CLIENT_IP = "192.0.2.10"  # logins carry an end-user IP, so attack protection is part of the cost


def _line(label: str, times: list[float], per_second: float) -> str:
    p50 = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[-1]
    return f"  {label:<48} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms   {per_second:7.1f}/s"


def _streams(login, connections) -> tuple[list[float], float]:
    """Each connection gets one thread logging in (bench.support.timed_streams); every login must succeed."""
    return timed_streams(login, connections, SECONDS)


def _public_ids_on_distinct_workers(workers: int) -> list[str]:
    """scriptd routes a connection's warm runs to one worker; spread the streams as tenants would spread."""
    chosen: dict[int, str] = {}
    while len(chosen) < workers:
        candidate = "con_bench" + secrets.token_hex(5)  # public_id holds 20 characters
        chosen.setdefault(_fnv_worker(candidate, workers), candidate)
    return list(chosen.values())


def _managed(streams: int, first: int = 0):
    from connections_admin import services as connections
    from identity import services
    from identity.models import ManagedUser

    users = []
    for i in range(first, first + streams):
        connection = connections.connection_create(
            name=f"bench-managed-{i}", by=None, use_own_database=True, import_users=True
        )
        user = ManagedUser(connection=connection, user_id=f"bench|{i}", email=EMAIL, is_managed=True)
        user.set_password(PASSWORD)
        user.save()
        users.append(connection)

    def login(connection):
        if (
            services.user_login(connection=connection, username=EMAIL, password=PASSWORD, ip=CLIENT_IP).path
            != "managed"
        ):
            raise SystemExit("the managed-store login was not answered locally")

    return _streams(login, users)


def _legacy(streams: int, table: str):
    from connections_admin import services as connections
    from connections_admin.models import Connection
    from identity import services
    from scripts_editor.scripts import SCRIPT_KEYS
    from scripts_editor.services import scripts_save

    source = BRIDGED % {"table": table, "url": PG_URL, "bcrypt": "bcrypt"}
    legacy = []
    for i, public_id in enumerate(_public_ids_on_distinct_workers(streams)):
        connection = connections.connection_create(
            name=f"bench-legacy-{i}", by=None, use_own_database=True, egress_allowlist=["127.0.0.1:5432"]
        )
        Connection.objects.filter(pk=connection.pk).update(public_id=public_id)
        connection.refresh_from_db()
        scripts_save(
            connection=connection,
            base_number=0,
            by=None,
            scripts={key: source if key == "login" else "" for key in SCRIPT_KEYS},
        )
        legacy.append(connection)

    def login(connection):
        if services.user_login(connection=connection, username=EMAIL, password=PASSWORD, ip=CLIENT_IP).path != "legacy":
            raise SystemExit("the legacy login did not go through the login script")

    return _streams(login, legacy)


def _hash_cost() -> float:
    encoded = make_password(PASSWORD)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        check_password(PASSWORD, encoded)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run() -> None:
    streams = os.cpu_count() or 2
    with legacy_users_table("bench_identity") as table:
        with (
            tempfile.TemporaryDirectory() as tmp,
            bench_database(Path(tmp)),
            scriptd_in(Path(tmp), streams) as socket_path,
            override_settings(SCRIPTD_SOCKET=socket_path),
        ):
            managed, managed_rate = _managed(streams)
            single, single_rate = _managed(1, first=streams)  # latency without a neighbour on the cores
            with override_settings(PASSWORD_HASHERS=[CHEAP_HASHER]):  # the runtime's cost apart from the hash
                bare, bare_rate = _managed(1, first=streams + 1)
            legacy, legacy_rate = _legacy(streams, table)
        # native bcrypt in both places, as scriptd serves require('bcrypt')
        fields = {"table": table, "url": PG_URL, "email": EMAIL, "password": PASSWORD, "bcrypt": "bcrypt"}
        plain, plain_rate = _plain_once(PLAIN % fields, streams, SECONDS)
    hasher = settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1]
    print(
        f"  logins through the identity runtime, {streams} concurrent streams, {SECONDS:.0f} s each "
        f"after {WARM_UP_SECONDS:.0f} s untimed "
        f"(Django database: {db.vendor}, password hasher: {hasher})"
    )
    print(_line("(a) managed-store user, answered locally", managed, managed_rate))
    print(_line("(a) the same, one stream alone", single, single_rate))
    print(_line("(a) one stream, a near-free hasher (MD5)", bare, bare_rate))
    print(_line("(b) legacy login: bcrypt(10) vs PostgreSQL (pg)", legacy, legacy_rate))
    print(_line("(c) the same login in plain Node (the limit)", plain, plain_rate))
    overhead = statistics.median(bare)
    print(
        f"  (a) p50 without the hash's cost = {overhead:.2f} ms (target < 5 ms): "
        f"{'met' if overhead < 5 else 'NOT met'}; {hasher}'s own check costs {_hash_cost():.1f} ms"
    )
    alone = statistics.median(single)
    print(f"  (a) one stream alone p50 = {alone:.1f} ms (target <= 60 ms): {'met' if alone <= 60 else 'NOT met'}")
    ratio = legacy_rate / plain_rate
    print(f"  (b) throughput is {ratio:.0%} of (c)'s (target >= 90%): {'met' if ratio >= 0.9 else 'NOT met'}")
