"""What several benchmark sections set up the same way: a legacy users table in PostgreSQL, a Django
database of the bench's own, and a private scriptd."""

import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import bcrypt
import psycopg
from django.conf import settings
from django.db import connection as db

from bench.scriptd import _start_scriptd

PG_URL = "postgres://postgres@127.0.0.1:5432/test"
EMAIL, PASSWORD = "bench@example.com", "pa55word"
# Load benchmarks first run their logins this long, untimed (plain Node's loop too): the figures are a
# long-lived worker's (JIT-compiled code, pooled connections), not its first seconds.
WARM_UP_SECONDS = 2.0


def timed_streams(
    login: Callable,
    items: list,
    seconds: float,
    mark: Callable[[str], None] = lambda moment: None,
    warm_up: float = WARM_UP_SECONDS,
) -> tuple[list[float], float]:
    """One thread per item calls login(item) in a loop: `warm_up` seconds untimed, then `seconds` timed
    (mark("start") and mark("end") around them). Returns every timed call's latency (ms) and the calls per
    second of all threads together: the sum of each thread's own rate (its calls over the time its own loop
    took), as a plain Node process times its own loop. Dividing all calls by the time until the last thread
    finished would count as idle the wait of the threads that finished first (up to a call's length each)."""

    def loop(item, for_seconds: float) -> tuple[list[float], float]:
        begun = time.perf_counter()
        deadline = begun + for_seconds
        times = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            login(item)
            times.append((time.perf_counter() - started) * 1000)
        return times, time.perf_counter() - begun

    with ThreadPoolExecutor(len(items)) as pool:
        list(pool.map(loop, items, [warm_up] * len(items)))
        mark("start")
        results = list(pool.map(loop, items, [seconds] * len(items)))
        mark("end")
    times = [t for r, _ in results for t in r]
    return times, sum(len(r) / elapsed for r, elapsed in results if elapsed > 0)


@contextmanager
def legacy_users_table(prefix: str) -> Iterator[str]:
    """A PostgreSQL table holding one legacy user (EMAIL, bcrypt(10) of PASSWORD); dropped afterwards."""
    table = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(PG_URL, autocommit=True) as pg:
        pg.execute(f"CREATE TABLE {table} (id SERIAL PRIMARY KEY, email TEXT UNIQUE, password TEXT)")
        pg.execute(
            f"INSERT INTO {table} (email, password) VALUES (%s, %s)",
            (EMAIL, bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(10, prefix=b"2b")).decode()),
        )
    try:
        yield table
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as pg:
            pg.execute(f"DROP TABLE IF EXISTS {table}")


@contextmanager
def bench_database(folder: Path) -> Iterator[None]:
    """A throw-away Django database, never the development data; for SQLite a file in `folder`, so the
    bench's threads share it."""
    if db.vendor == "sqlite":
        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(folder / "bench.sqlite3")
    old_name = db.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        if db.vendor == "postgresql":  # the bench's threads are gone, their connections not: PostgreSQL won't drop
            with db.cursor() as cursor:  # a database that has sessions
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        db.creation.destroy_test_db(old_name, verbosity=0)


@contextmanager
def scriptd_in(folder: Path, workers: int) -> Iterator[str]:
    """A private scriptd with `workers` login workers, its socket in `folder`; yields the socket path."""
    process, socket_path = _start_scriptd(folder, workers)
    _SCRIPTD_PIDS[socket_path] = process.pid
    try:
        yield socket_path
    finally:
        _SCRIPTD_PIDS.pop(socket_path, None)
        process.terminate()
        process.wait(timeout=10)


_SCRIPTD_PIDS: dict[str, int] = {}


def thread_use(root: int) -> dict[str, tuple[float, int]]:
    """What the threads of a process and of all its descendants have used so far, by kind of thread: CPU
    time (ms) and wake-ups (times a thread blocked and had to be woken again: voluntary context switches).
    Kinds: the root's main thread "main", its descendants' main threads "worker main", "libuv-worker",
    "V8Worker", and the rest by name ("MainThread": isolated-vm's isolate threads inherit it). CPU is read
    from /proc/*/task/*/schedstat, which counts to the nanosecond (the tick-based counters over-charge
    threads that wake on timers)."""
    totals: dict[str, tuple[float, int]] = {}
    pending = [root]
    while pending:
        pid = pending.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            task = f"/proc/{pid}/task/{tid}"
            try:
                name = Path(f"{task}/comm").read_text().strip()
                used = int(Path(f"{task}/schedstat").read_text().split()[0]) / 1e6
                status = Path(f"{task}/status").read_text()
                pending += [int(child) for child in Path(f"{task}/children").read_text().split()]
            except OSError:
                continue
            wakes = int(re.search(r"^voluntary_ctxt_switches:\s+(\d+)", status, re.M)[1])
            key = ("main" if pid == root else "worker main") if int(tid) == pid and name != "bwrap" else name
            ms, n = totals.get(key, (0.0, 0))
            totals[key] = (ms + used, n + wakes)
    return totals


def scriptd_use(socket_path: str) -> dict[str, tuple[float, int]]:
    """thread_use of a scriptd from scriptd_in, its own main thread as "supervisor"."""
    use = thread_use(_SCRIPTD_PIDS[socket_path])
    use["supervisor"] = use.pop("main", (0.0, 0))
    return use
