"""Readiness checks: each answers None when fine, or a short message naming what is wrong.

Messages never carry a secret: exception texts pass through `_scrubbed`, which removes the database
password and the broker URL's credentials before anything is shown to an unauthenticated caller."""

import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from scriptd_client import client as scriptd

CHECK_TIMEOUT_S = 2.0


def _scrubbed(text: str) -> str:
    secrets = [settings.DATABASES["default"].get("PASSWORD") or "", settings.CELERY_BROKER_URL]
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text[:300]


def check_database() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return None


_migrations_applied = False  # once true, true for this process: its code cannot gain migrations


def check_migrations() -> str | None:
    # Loading the migration graph reads every migration file: done until it passes, not on every probe.
    global _migrations_applied
    if _migrations_applied:
        return None
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in pending[:5])
        return f"{len(pending)} migration(s) not applied ({names}): run `python manage.py migrate`"
    _migrations_applied = True
    return None


def check_broker() -> str | None:
    from config.celery import app

    with app.connection_for_write(connect_timeout=CHECK_TIMEOUT_S) as conn:
        conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_S)
    return None


def check_scriptd() -> str | None:
    pong = scriptd.ping(timeout_s=CHECK_TIMEOUT_S)
    workers = pong.get("workers", [])
    alive = sum(1 for w in workers if w.get("alive"))
    if not alive:
        return f"scriptd answers but none of its {len(workers)} workers is alive"
    return None


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "migrations": check_migrations,
    "broker": check_broker,
    "scriptd": check_scriptd,
}


def readiness_report() -> dict:
    """{"status": "ok" | "unavailable", "failed": [names], "checks": {name: {"ok", "ms", "error"?}}}."""
    checks = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            problem = check()
        except Exception as exc:  # any failure of a dependency is an answer here, not a 500
            problem = _scrubbed(f"{type(exc).__name__}: {exc}")
        entry = {"ok": problem is None, "ms": round((time.perf_counter() - started) * 1000, 1)}
        if problem:
            entry["error"] = problem
        checks[name] = entry
    failed = [name for name, entry in checks.items() if not entry["ok"]]
    return {"status": "unavailable" if failed else "ok", "failed": failed, "checks": checks}
