"""Fixtures for the I/O bridge tests: a legacy user database of our own in the real PostgreSQL and
MariaDB on this machine (a fresh database per session, dropped at the end), a local HTTP API, the
MongoDB wire peer (tests/fixtures/mongo_peer.py, SCRAM user), and a `run` bound to the session's
scriptd with those four allow-listed."""

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import bcrypt
import psycopg
import pymysql
import pytest

from scriptd_client import client as scriptd
from scripts_editor.scripts import BY_KEY
from tests.fixtures.mongo_peer import mongo_peer

pytestmark = pytest.mark.scriptd

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
MY = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}
PASSWORD = "pa55word"
ALICE = "alice@example.com"


def bcrypt_hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(10, prefix=b"2b")).decode()


def pg_connect(dbname: str):
    return psycopg.connect(dbname=dbname, autocommit=True, **PG)


def my_connect(database: str | None = None):
    return pymysql.connect(database=database, autocommit=True, **MY)


@pytest.fixture(scope="session")
def legacy_db():
    """One database named trickle_bridges_<random> in both servers, with users(id, email, password,
    nickname, email_verified) holding alice (bcrypt of PASSWORD). Dropped at the end."""
    name = f"trickle_bridges_{secrets.token_hex(4)}"
    alice_hash = bcrypt_hash(PASSWORD)
    with pg_connect("test") as admin:
        admin.execute(f"CREATE DATABASE {name}")
    with pg_connect(name) as db:
        db.execute(
            "CREATE TABLE users (id SERIAL PRIMARY KEY, email TEXT UNIQUE NOT NULL, password TEXT,"
            " nickname TEXT, email_verified BOOLEAN NOT NULL DEFAULT false)"
        )
        db.execute("INSERT INTO users (email, password, nickname) VALUES (%s, %s, 'alice')", (ALICE, alice_hash))
    with my_connect() as admin, admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
        cur.execute(
            f"CREATE TABLE {name}.users (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(255) UNIQUE NOT NULL,"
            " password VARCHAR(255), nickname VARCHAR(255), email_verified TINYINT(1) NOT NULL DEFAULT 0)"
        )
        cur.execute(
            f"INSERT INTO {name}.users (email, password, nickname) VALUES (%s, %s, 'alice')", (ALICE, alice_hash)
        )
    yield name
    with pg_connect("test") as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    with my_connect() as admin, admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name}")


class ApiHandler(BaseHTTPRequestHandler):
    """The REST template's API (users by email, bearer token) plus echo, status and redirect helpers."""

    users: dict[str, dict] = {}
    token = "t0ken"

    def log_message(self, *args):
        pass

    def _send(self, status: int, body=None, headers: dict | None = None):
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        self.send_response(status)
        if body is not None and not isinstance(body, bytes):
            self.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        return raw

    def _handle(self):
        url = urlsplit(self.path)
        query = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(url.query).items()}
        raw = self._body()
        parts = url.path.strip("/").split("/")
        if parts[0] == "echo":
            return self._send(
                200,
                {
                    "method": self.command,
                    "path": url.path,
                    "query": query,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": raw.decode(),
                },
            )
        if parts[0] == "status":
            return self._send(int(parts[1]), {"status": int(parts[1])})
        if parts[0] == "redirect":
            return self._send(302, None, {"Location": query["to"]})
        if parts[0] == "text":
            return self._send(200, b"plain words", {"Content-Type": "text/plain"})
        if parts[0] != "users":
            return self._send(404, {"error": "no such route"})
        if self.headers.get("Authorization") != f"Bearer {self.token}":
            return self._send(401, {"error": "bad token"})
        body = json.loads(raw) if raw else {}
        if self.command == "GET":
            user = self.users.get(query.get("email", ""))
            return self._send(200, user) if user else self._send(404, {"error": "not found"})
        if self.command == "POST":
            if body["email"] in self.users:
                return self._send(409, {"error": "taken"})
            self.users[body["email"]] = {
                "id": str(len(self.users) + 1),
                "email": body["email"],
                "nickname": body.get("nickname"),
                "email_verified": False,
                "password_hash": body["password_hash"],
            }
            return self._send(201, {"id": self.users[body["email"]]["id"]})
        if self.command == "PATCH":
            user = self.users.pop(query.get("email", ""), None)
            if not user:
                return self._send(404, {"error": "not found"})
            user.update(body)
            self.users[user["email"]] = user
            return self._send(200, user)
        if self.command == "DELETE":
            found = [e for e, u in self.users.items() if u["id"] == parts[1]]
            for e in found:
                del self.users[e]
            return self._send(204 if found else 404)
        return self._send(405)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle


@pytest.fixture(scope="session")
def http_api():
    """A local HTTP API on 127.0.0.1 (random port): its base URL; `ApiHandler.users` is its store."""
    ApiHandler.users = {
        ALICE: {
            "id": "1",
            "email": ALICE,
            "nickname": "alice",
            "email_verified": False,
            "password_hash": bcrypt_hash(PASSWORD),
        }
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), ApiHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


MONGO_USER, MONGO_PASSWORD = "trickle", "m0ngo-pa55"


@pytest.fixture(scope="session")
def mongo_store():
    """The MongoDB wire peer with database `legacy`, collection `users` (unique email) holding alice."""
    with mongo_peer(user=MONGO_USER, password=MONGO_PASSWORD) as peer:
        seed_mongo_users(peer)
        yield peer


def seed_mongo_users(peer):
    users = peer.client.legacy.users
    users.create_index("email", unique=True)
    users.insert_one({"email": ALICE, "password": bcrypt_hash(PASSWORD), "nickname": "alice", "email_verified": False})


@pytest.fixture
def allowlist(http_api, mongo_store):
    return ["127.0.0.1:5432", "127.0.0.1:3306", http_api.removeprefix("http://"), f"127.0.0.1:{mongo_store.port}"]


@pytest.fixture
def config(legacy_db, http_api, mongo_store):
    """The configuration the corpus and templates read."""
    return {
        "PG_HOST": "127.0.0.1",
        "PG_PORT": "5432",
        "PG_DATABASE": legacy_db,
        "PG_USER": "postgres",
        "PG_PASSWORD": "",
        "PG_SSL": "false",
        "PG_URL": f"postgres://postgres@127.0.0.1:5432/{legacy_db}",
        "MYSQL_HOST": "127.0.0.1",
        "MYSQL_PORT": "3306",
        "MYSQL_DATABASE": legacy_db,
        "MYSQL_USER": "root",
        "MYSQL_PASSWORD": "",
        "API_URL": http_api,
        "API_TOKEN": ApiHandler.token,
        "MONGO_URI": mongo_store.uri("legacy", options="authSource=legacy"),
        "MONGO_DATABASE": "legacy",
    }


@pytest.fixture
def run(scriptd_socket, allowlist, config):
    def run(source, *, kind="login", args=None, timeout_ms=5000, limits=None, **kwargs):
        kwargs.setdefault("egress_allowlist", allowlist)
        kwargs.setdefault("configuration", config)
        return scriptd.run_script_collect(
            **BY_KEY[kind].for_scriptd(),
            source=source,
            args=[ALICE, PASSWORD] if args is None else args,
            limits=limits or scriptd.Limits(timeout_ms=timeout_ms),
            socket_path=scriptd_socket,
            **kwargs,
        )

    return run
