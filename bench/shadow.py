"""The overhead of a shadow run (identity.shadow_runs) on the real login's latency, in a throw-away database of
its own: a legacy-mode login whose script does a bcrypt(10) compare against PostgreSQL (bench.identity's (b)),
one stream, measured as the caller sees user_login return. Two connections with the same scripts, their warm
isolates on the same scriptd worker: A has no shadow session, B has a draft of the same script in shadow.

(a)/(b) A and B alternate login by login, each starting once B's previous shadow run has finished: what
        shadowing adds to the real call itself (noting the call, handing it to the pool), with any change in
        the machine's load falling on both sides alike;
(a')/(c) blocks of A and B logins back to back: B's draft run (another bcrypt) competes for the cores with
        B's next login.

Target (issue 17): (b) p50 <= 1.05 x (a) p50, since the shadow runs after the answer.
"""

import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from django.db import connection as db
from django.test import override_settings

from bench.bridges import BRIDGED, _fnv_worker
from bench.support import EMAIL, PASSWORD, PG_URL, bench_database, legacy_users_table, scriptd_in

WORKERS = 2
PACED_PAIRS = 200
ROUNDS = 6
LOGINS_PER_ROUND = 25


def _public_id_on(worker: int) -> str:
    while True:
        candidate = "con_bench" + secrets.token_hex(5)  # public_id is at most 20 characters
        if _fnv_worker(candidate, WORKERS) == worker:
            return candidate


def _connection(table: str, name: str):
    from connections_admin import services as connections
    from connections_admin.models import Connection
    from scripts_editor.scripts import SCRIPT_KEYS
    from scripts_editor.services import scripts_save

    source = BRIDGED % {"table": table, "url": PG_URL, "bcrypt": "bcrypt"}
    connection = connections.connection_create(
        name=name, by=None, use_own_database=True, egress_allowlist=["127.0.0.1:5432"]
    )
    Connection.objects.filter(pk=connection.pk).update(public_id=_public_id_on(0))
    connection.refresh_from_db()
    live = {key: source if key == "login" else "" for key in SCRIPT_KEYS}
    scripts_save(connection=connection, base_number=0, by=None, scripts=live)
    # The draft answers the same (the comparisons agree); only its text differs.
    draft = live | {"login": source + "\n// draft: same answer\n"}
    scripts_save(connection=connection, base_number=1, by=None, scripts=draft, draft=True)
    return connection


def _timed_logins(connection, count: int, *, drain: bool) -> list[float]:
    from identity import services, shadow_runs

    times = []
    for _ in range(count):
        if drain:
            shadow_runs.shadow_drain()
        # As in a web request: its start, the flow, the answer; at request_finished (the response is out) the
        # shadow run goes to the pool, after the timing. (Django's own receivers, which close the database
        # connection, are left out: they would weigh on both sides alike.)
        shadow_runs.shadow_request_started()
        started = time.perf_counter()
        if services.user_login(connection=connection, username=EMAIL, password=PASSWORD).path != "legacy":
            raise SystemExit("the login did not go through the login script")
        times.append((time.perf_counter() - started) * 1000)
        shadow_runs.shadow_request_finished()
    return times


def _line(label: str, times: list[float]) -> str:
    p95 = statistics.quantiles(times, n=20)[-1]
    return f"  {label:<62} p50 {statistics.median(times):8.2f} ms   p95 {p95:8.2f} ms   ({len(times)} logins)"


def _measure(table: str) -> dict[str, list[float]]:
    from identity import shadow, shadow_runs
    from identity.models import ShadowComparison

    plain, shadowed = _connection(table, "bench-plain"), _connection(table, "bench-shadowed")
    shadow.shadow_session_start(connection=shadowed, number=2, by=None, max_calls=100_000)
    for c in (plain, shadowed):
        _timed_logins(c, 5, drain=False)  # warm-up: the isolates (the draft's too), pools, caches
    times = {"a": [], "b": [], "a2": [], "c": []}
    for _ in range(PACED_PAIRS):
        times["a"] += _timed_logins(plain, 1, drain=True)
        times["b"] += _timed_logins(shadowed, 1, drain=True)
    for _ in range(ROUNDS):
        shadow_runs.shadow_drain()
        times["a2"] += _timed_logins(plain, LOGINS_PER_ROUND, drain=False)
        shadow_runs.shadow_drain()
        times["c"] += _timed_logins(shadowed, LOGINS_PER_ROUND, drain=False)
    shadow_runs.shadow_drain()
    compared = ShadowComparison.objects.count()
    if ShadowComparison.objects.filter(agree=True).count() != compared:
        raise SystemExit("a draft with the same answer disagreed: the comparison is wrong")
    times["compared"] = compared
    return times


def run() -> None:
    with (
        legacy_users_table("bench_shadow") as table,
        tempfile.TemporaryDirectory() as tmp,
        bench_database(Path(tmp)),  # a file for SQLite, so the shadow pool's threads share it
        scriptd_in(Path(tmp), WORKERS) as socket_path,
        override_settings(SCRIPTD_SOCKET=socket_path),
    ):
        times = _measure(table)
    print(
        f"  a legacy login (bcrypt(10) vs PostgreSQL), one stream, scriptd with {WORKERS} workers, "
        f"{os.cpu_count()} cores (Django database: {db.vendor})"
    )
    print(_line("(a)  no shadow session              } alternating, each after", times["a"]))
    print(_line("(b)  a draft in shadow              } the last shadow run ended", times["b"]))
    print(_line("(a') no shadow session              } blocks of logins", times["a2"]))
    print(_line("(c)  a draft in shadow              } back to back", times["c"]))
    print(f"  {times['compared']} shadow comparisons recorded, all agreeing")
    ratio_b = statistics.median(times["b"]) / statistics.median(times["a"])
    ratio_c = statistics.median(times["c"]) / statistics.median(times["a2"])
    print(f"  (b)/(a) p50 = {ratio_b:.3f} (target <= 1.05): {'met' if ratio_b <= 1.05 else 'NOT met'}")
    print(f"  (c)/(a') p50 = {ratio_c:.3f}: the draft's own CPU while the next login runs (not on the request path)")
