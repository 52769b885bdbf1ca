"""What several benchmark sections set up the same way: a legacy users table in PostgreSQL, a Django
database of the bench's own, and a private scriptd."""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import bcrypt
import psycopg
from django.conf import settings
from django.db import connection as db

from bench.scriptd import _start_scriptd

PG_URL = "postgres://postgres@127.0.0.1:5432/test"
EMAIL, PASSWORD = "bench@example.com", "pa55word"


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
        db.creation.destroy_test_db(old_name, verbosity=0)


@contextmanager
def scriptd_in(folder: Path, workers: int) -> Iterator[str]:
    """A private scriptd with `workers` login workers, its socket in `folder`; yields the socket path."""
    process, socket_path = _start_scriptd(folder, workers)
    try:
        yield socket_path
    finally:
        process.terminate()
        process.wait(timeout=10)
