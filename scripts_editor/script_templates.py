"""Script templates: a full set of seven scripts per kind of user store, written for Trickle.

The bodies live as plain .js files in templates_js/<template>/<script key>.js, so they can be read,
linted and later run like any script. `__CONNECTION__` stands for the connection's name (user_id
prefixes); a `context` parameter is added before `callback` when the connection passes one.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .scripts import SCRIPT_KEYS

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates_js"
CONNECTION_MARKER = "__CONNECTION__"
# The script's own function header: the first `function name(..., callback)` in the file.
_HEADER_CALLBACK = re.compile(r"(\bfunction\s+\w+\s*\([^)]*?)(\bcallback\s*\))")


@dataclass(frozen=True)
class ScriptTemplate:
    key: str
    label: str
    description: str
    configuration_keys: tuple[str, ...]


TEMPLATES: tuple[ScriptTemplate, ...] = (
    ScriptTemplate("blank", "Blank stubs", "Every script named and answering “not written yet”.", ()),
    ScriptTemplate(
        "postgres",
        "PostgreSQL (pg)",
        "A users table in PostgreSQL, bcrypt hashes.",
        ("PG_HOST", "PG_PORT", "PG_DATABASE", "PG_USER", "PG_PASSWORD", "PG_SSL"),
    ),
    ScriptTemplate(
        "mysql",
        "MySQL / MariaDB (mysql2)",
        "A users table in MySQL or MariaDB, bcrypt hashes.",
        ("MYSQL_HOST", "MYSQL_PORT", "MYSQL_DATABASE", "MYSQL_USER", "MYSQL_PASSWORD"),
    ),
    ScriptTemplate(
        "rest_api",
        "REST API (bearer token)",
        "Your own API in front of the database, reached with a bearer token (recommended).",
        ("API_URL", "API_TOKEN"),
    ),
    ScriptTemplate(
        "mongodb",
        "MongoDB (mongodb)",
        "A users collection in MongoDB (mongodb:// or mongodb+srv://), bcrypt hashes.",
        ("MONGO_URI", "MONGO_DATABASE"),
    ),
    ScriptTemplate(
        "sqlserver",
        "SQL Server (tedious)",
        "A dbo.Users table in SQL Server or Azure SQL, bcrypt hashes.",
        ("MSSQL_SERVER", "MSSQL_PORT", "MSSQL_DATABASE", "MSSQL_USER", "MSSQL_PASSWORD", "MSSQL_ENCRYPT"),
    ),
    ScriptTemplate(
        "oracle",
        "Oracle (oracledb)",
        "A USERS table in Oracle Database, reached with oracledb's thin mode, bcrypt hashes.",
        ("ORACLE_CONNECT_STRING", "ORACLE_USER", "ORACLE_PASSWORD"),
    ),
    ScriptTemplate(
        "aspnet_membership",
        "ASP.NET Membership (SQL Server)",
        "The ASP.NET Universal Providers' Users and Memberships tables, their HMACSHA256 (and old SHA1) hashes.",
        (
            "MSSQL_SERVER",
            "MSSQL_PORT",
            "MSSQL_DATABASE",
            "MSSQL_USER",
            "MSSQL_PASSWORD",
            "MSSQL_ENCRYPT",
            "ASPNET_APPLICATION_ID",
        ),
    ),
)
BY_KEY = {t.key: t for t in TEMPLATES}


@cache
def _raw_bodies(template_key: str) -> dict[str, str]:
    folder = TEMPLATES_DIR / template_key
    return {key: (folder / f"{key}.js").read_text() for key in SCRIPT_KEYS}


def template_bodies(template_key: str, *, connection_name: str, context: bool = False) -> dict[str, str]:
    """The seven bodies of a template, ready for this connection. Unknown keys raise KeyError."""
    if template_key not in BY_KEY:
        raise KeyError(template_key)
    bodies = {}
    for key, body in _raw_bodies(template_key).items():
        body = body.replace(CONNECTION_MARKER, connection_name)
        if context:
            body = _HEADER_CALLBACK.sub(r"\1context, \2", body, count=1)
        bodies[key] = body
    return bodies
