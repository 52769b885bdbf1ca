"""Shared helpers: connections with scripts and secrets, and deploy-CLI folders written by hand."""

import json
from pathlib import Path

import pytest

from connections_admin.services import configuration_variable_set, connection_create
from scripts_editor.scripts import SCRIPT_KEYS
from scripts_editor.services import scripts_save

SECRET = "pa55-w0rd-never-exported"


def script(name: str, body: str = "callback(null);") -> str:
    return f"function {name}(a, b, callback) {{\n  {body}\n}}\n"


def read_tree(root: Path) -> dict[str, str]:
    """{relative path: text} of every file under root."""
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def legacy_connection(editor):
    """A legacy-mode connection with two scripts implemented and one secret."""
    connection = connection_create(
        name="legacy-db",
        display_name="Legacy DB",
        by=editor,
        use_own_database=True,
        egress_allowlist=["db.example.test:5432"],
        script_timeout_s=15,
    )
    bodies = dict.fromkeys(SCRIPT_KEYS, "") | {
        "login": script("login", "callback(null, {id: configuration.X});"),
        "get_user": script("getUser"),
    }
    scripts_save(connection=connection, scripts=bodies, base_number=0, by=editor)
    configuration_variable_set(connection=connection, key="DB_PASS", value=SECRET, by=editor)
    return connection


def directory_fixture(
    root: Path, *, name: str = "from-cli", login: str | None = None, database: dict | None = None
) -> Path:
    """A folder as auth0-deploy-cli writes it, with keywords in database.json and in a script.

    Given `database`, only that database.json is written (in the folder of its name).
    """
    if database is not None:
        return write_tree(root, {f"database-connections/{database['name']}/database.json": json.dumps(database)})
    database = {
        "name": name,
        "strategy": "auth0",
        "enabled_clients": ["My App"],
        "options": {
            "enabledDatabaseCustomization": True,
            "import_mode": False,
            "brute_force_protection": True,
            "customScripts": {"login": "./login.js", "get_user": "./get_user.js"},
            "configuration": {"DB_PASS": "##DB_PASS##", "DB_HOST": "##DB_HOST##"},
            "trickle_egress_allowlist": "@@ALLOWLIST@@",
        },
    }
    text = json.dumps(database, indent=2).replace('"@@ALLOWLIST@@"', "@@ALLOWLIST@@")
    return write_tree(
        root,
        {
            f"database-connections/{name}/database.json": text,
            f"database-connections/{name}/login.js": login or script("login", "var env = @@ENV@@; callback(null);"),
            f"database-connections/{name}/get_user.js": script("getUser", "var host = '##DB_HOST##'; callback(null);"),
        },
    )


KEYWORDS = {"DB_PASS": SECRET, "DB_HOST": "db.internal", "ALLOWLIST": ["db.internal:3306"], "ENV": "test"}
