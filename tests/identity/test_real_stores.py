"""Every flow, in both modes, against real legacy stores: the editor's PostgreSQL and MySQL templates over a
`users` table this module creates in the machine's PostgreSQL and MariaDB (a database of its own, dropped
at the end), reached through scriptd's pg and mysql2 bridges."""

import secrets

import bcrypt
import psycopg
import pymysql
import pytest

from connections_admin import services as connections
from identity import services
from identity.exceptions import FlowFailed
from identity.models import ManagedUser
from scripts_editor.script_templates import template_bodies
from scripts_editor.services import scripts_save

pytestmark = [pytest.mark.scriptd, pytest.mark.django_db]

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
MY = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}
PASSWORD = "legacy-pa55"
STORES = {
    "postgres": {
        "PG_HOST": "127.0.0.1",
        "PG_PORT": "5432",
        "PG_USER": "postgres",
        "PG_PASSWORD": "",
        "PG_SSL": "false",
    },
    "mysql": {"MYSQL_HOST": "127.0.0.1", "MYSQL_PORT": "3306", "MYSQL_USER": "root", "MYSQL_PASSWORD": ""},
}
ALLOW = {"postgres": "127.0.0.1:5432", "mysql": "127.0.0.1:3306"}


class LegacyTable:
    """The users(id, email, password, nickname, email_verified) table of one store, read and written by SQL."""

    def __init__(self, store: str, database: str):
        self.store, self.database = store, database

    def _run(self, sql: str, args=()):
        if self.store == "postgres":
            with psycopg.connect(dbname=self.database, autocommit=True, **PG) as db:
                cursor = db.execute(sql, args)
                return cursor.fetchall() if cursor.description else None
        with pymysql.connect(database=self.database, autocommit=True, **MY) as db, db.cursor() as cursor:
            cursor.execute(sql, args)
            return cursor.fetchall()

    def reset(self) -> None:
        self._run("DELETE FROM users")
        for name in ("ada", "bob"):
            self._run(
                "INSERT INTO users (email, password, nickname) VALUES (%s, %s, %s)",
                (f"{name}@legacy.test", bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode(), name),
            )

    def row(self, email: str):
        rows = self._run("SELECT id, password, email_verified FROM users WHERE email = %s", (email,))
        return rows[0] if rows else None


@pytest.fixture(scope="module")
def legacy_database():
    """trickle_identity_<random> in both servers, with an empty users table; dropped at the end."""
    name = f"trickle_identity_{secrets.token_hex(4)}"
    with psycopg.connect(dbname="test", autocommit=True, **PG) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    with psycopg.connect(dbname=name, autocommit=True, **PG) as db:
        db.execute(
            "CREATE TABLE users (id SERIAL PRIMARY KEY, email TEXT UNIQUE NOT NULL, password TEXT,"
            " nickname TEXT, email_verified BOOLEAN NOT NULL DEFAULT false)"
        )
    with pymysql.connect(autocommit=True, **MY) as admin, admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
        cursor.execute(
            f"CREATE TABLE {name}.users (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(255) UNIQUE "
            "NOT NULL, password VARCHAR(255), nickname VARCHAR(255), email_verified TINYINT(1) NOT NULL "
            "DEFAULT 0)"
        )
    yield name
    with psycopg.connect(dbname="test", autocommit=True, **PG) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    with pymysql.connect(autocommit=True, **MY) as admin, admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")


@pytest.fixture(params=["postgres", "mysql"])
def store(request, legacy_database, runtime):
    table = LegacyTable(request.param, legacy_database)
    table.reset()
    return table


def _connection(store: LegacyTable, mode: str):
    name = f"{store.store}-{mode}"
    connection = connections.connection_create(
        name=name,
        by=None,
        use_own_database=True,
        import_users=mode == "migration",
        egress_allowlist=[ALLOW[store.store]],
    )
    prefix = "PG" if store.store == "postgres" else "MYSQL"
    for key, value in (STORES[store.store] | {f"{prefix}_DATABASE": store.database}).items():
        connections.configuration_variable_set(connection=connection, key=key, value=value, by=None)
    scripts_save(
        connection=connection, base_number=0, by=None, scripts=template_bodies(store.store, connection_name=name)
    )
    return connection


def _reason(call, **kwargs) -> str:
    with pytest.raises(FlowFailed) as caught:
        call(**kwargs)
    return caught.value.reason


def test_every_flow_in_legacy_mode_reads_and_writes_the_legacy_table(store):
    connection = _connection(store, "legacy")

    signed_up = services.user_signup(connection=connection, email="carol@legacy.test", password="carol-pa55")
    carol = store.row("carol@legacy.test")
    assert [r["script"] for r in signed_up.event.script_runs] == ["get_user", "create", "login"]
    assert carol and carol[1].startswith("$2") and signed_up.user.user_id == f"{connection.name}|{carol[0]}"
    assert _reason(services.user_signup, connection=connection, email="ada@legacy.test", password="x") == "user_exists"

    assert (
        services.user_login(connection=connection, username="carol@legacy.test", password="carol-pa55").path == "legacy"
    )
    assert (
        _reason(services.user_login, connection=connection, username="carol@legacy.test", password="wrong")
        == "wrong_username_or_password"
    )
    assert (
        _reason(services.user_login, connection=connection, username="nobody@legacy.test", password="x")
        == "wrong_username_or_password"
    )

    services.user_email_verify(connection=connection, email="carol@legacy.test")
    assert store.row("carol@legacy.test")[2] in (True, 1)

    services.user_password_change(connection=connection, email="carol@legacy.test", new_password="carol-new")
    assert services.user_login(connection=connection, username="carol@legacy.test", password="carol-new").user
    assert (
        _reason(services.user_password_change, connection=connection, email="nobody@legacy.test", new_password="x")
        == "user_not_found"
    )

    services.user_email_change(connection=connection, email="carol@legacy.test", new_email="caro@legacy.test")
    assert store.row("caro@legacy.test") and not store.row("carol@legacy.test")
    assert (
        _reason(
            services.user_email_change, connection=connection, email="caro@legacy.test", new_email="bob@legacy.test"
        )
        == "user_exists"
    )

    services.user_delete(connection=connection, user_id=f"{connection.name}|{carol[0]}")
    assert store.row("caro@legacy.test") is None
    # Legacy mode keeps profiles, never passwords.
    assert not any(u.has_password for u in ManagedUser.objects.all())


def test_every_flow_in_migration_mode_moves_users_and_leaves_the_legacy_table_alone(store):
    connection = _connection(store, "migration")
    ada_before = store.row("ada@legacy.test")

    assert services.user_login(connection=connection, username="ada@legacy.test", password=PASSWORD).path == "migrated"
    store._run("UPDATE users SET password = 'no longer valid' WHERE email = %s", ("ada@legacy.test",))
    assert services.user_login(connection=connection, username="ada@legacy.test", password=PASSWORD).path == "managed"

    assert services.user_signup(connection=connection, email="dave@new.test", password="dave-pa55").path == "managed"
    assert store.row("dave@new.test") is None
    assert _reason(services.user_signup, connection=connection, email="bob@legacy.test", password="x") == "user_exists"

    reset = services.user_password_change(connection=connection, email="bob@legacy.test", new_password="bob-new")
    assert reset.path == "migrated" and reset.user.check_password("bob-new")
    assert services.user_login(connection=connection, username="bob@legacy.test", password="bob-new").path == "managed"

    assert services.user_email_verify(connection=connection, email="ada@legacy.test").user.email_verified
    services.user_email_change(connection=connection, email="ada@legacy.test", new_email="ada@new.test")
    services.user_delete(connection=connection, user_id=f"{connection.name}|{ada_before[0]}")

    assert not ManagedUser.objects.filter(email="ada@new.test").exists()
    assert store.row("ada@legacy.test")[0] == ada_before[0]  # delete, email and verify stayed in Trickle
    assert store.row("bob@legacy.test")[1].startswith("$2")  # the reset never wrote to the legacy store
