"""The SQL Server, Oracle and ASP.NET Membership templates, whose servers cannot run here: each of
their seven scripts loads its driver in scriptd and answers a clear Error when the server refuses the
connection; the ASP.NET Membership hash matches an independent implementation of the provider's
format. End-to-end use against a real server is NOT verified."""

import base64
import hashlib
import hmac
import re

import pytest

from scriptd_client import client as scriptd
from scripts_editor.script_templates import BY_KEY as TEMPLATES_BY_KEY
from scripts_editor.script_templates import template_bodies
from scripts_editor.scripts import BY_KEY, SCRIPT_KEYS
from tests.fixtures.tls import free_port

pytestmark = pytest.mark.scriptd

ARGS = {
    "login": ["ann@example.com", "pw"],
    "get_user": ["ann@example.com"],
    "create": [{"email": "ann@example.com", "password": "pw"}],
    "verify": ["ann@example.com"],
    "change_password": ["ann@example.com", "pw2"],
    "delete": ["legacy|1"],
    "change_email": ["ann@example.com", "bob@example.com", True],
}


def run(socket_path, source, kind, args, *, allow, configuration):
    return scriptd.run_script_collect(
        **BY_KEY[kind].for_scriptd(),
        source=source,
        args=args,
        configuration=configuration,
        egress_allowlist=allow,
        limits=scriptd.Limits(timeout_ms=15000),
        socket_path=socket_path,
    )


def closed_port_configuration(template, port):
    values = {
        "MSSQL_SERVER": "127.0.0.1",
        "MSSQL_PORT": str(port),
        "MSSQL_DATABASE": "legacy",
        "MSSQL_USER": "app",
        "MSSQL_PASSWORD": "x",
        "MSSQL_ENCRYPT": "true",
        "ASPNET_APPLICATION_ID": "6f1a7c52-8a3e-4c1e-9a55-3f1f2b0d9e11",
        "ORACLE_CONNECT_STRING": f"127.0.0.1:{port}/FREEPDB1",
        "ORACLE_USER": "app",
        "ORACLE_PASSWORD": "x",
    }
    return {key: values[key] for key in TEMPLATES_BY_KEY[template].configuration_keys}


@pytest.mark.parametrize("template", ["sqlserver", "oracle", "aspnet_membership"])
@pytest.mark.parametrize("key", SCRIPT_KEYS)
def test_each_script_reports_a_refused_connection(scriptd_socket, template, key):
    port = free_port()
    bodies = template_bodies(template, connection_name="legacy")
    args = ARGS[key]
    if key == "delete" and template == "aspnet_membership":
        args = ["legacy|6f1a7c52-8a3e-4c1e-9a55-3f1f2b0d9e12"]
    out = run(
        scriptd_socket,
        bodies[key],
        key,
        args,
        allow=[f"127.0.0.1:{port}"],
        configuration=closed_port_configuration(template, port),
    )
    assert out.status == "error" and out.error["name"] == "Error", out.result
    assert out.error["message"].startswith("Could not "), out.error
    assert (
        "ECONNREFUSED" in out.error["message"]
        or "refused" in out.error["message"].lower()
        or ("Failed to connect" in out.error["message"])
    ), out.error


def reference_hash(password: str, salt_b64: str, sha1: bool) -> str:
    """The ASP.NET Membership provider's format, written from its documented algorithm."""
    salt, utf16 = base64.b64decode(salt_b64), password.encode("utf-16-le")
    if sha1:
        return base64.b64encode(hashlib.sha1(salt + utf16).digest()).decode()
    key = (salt * (64 // len(salt) + 1))[:64]
    return base64.b64encode(hmac.new(key, utf16, hashlib.sha256).digest()).decode()


def test_the_membership_hash_matches_the_provider_s_format(scriptd_socket):
    login = template_bodies("aspnet_membership", connection_name="legacy")["login"]
    helper = re.search(r"  function membershipHash\(.*?\n  }\n", login, re.S).group(0)
    probe = (
        "function login(password, salt, callback) {\n  const crypto = require('crypto');\n"
        + helper
        + "  callback(null, { hmac: membershipHash(password, salt, 32).toString('base64'),"
        " sha1: membershipHash(password, salt, 20).toString('base64') });\n}\n"
    )
    salt = base64.b64encode(bytes(range(16))).decode()
    for password in ["pa55word", "pässwörd-ünïcode", ""]:
        out = run(scriptd_socket, probe, "login", [password, salt], allow=[], configuration={})
        assert out.status == "ok", out.result
        assert out.value == {
            "hmac": reference_hash(password, salt, sha1=False),
            "sha1": reference_hash(password, salt, sha1=True),
        }
