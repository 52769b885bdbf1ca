"""A database connect still in progress when its isolate goes away (the run timed out) must not
leave a live server connection behind, nor keep one of the connection's socket-budget slots."""

import dataclasses
import socket
import threading
import time

import pytest

from scriptd_client import client as scriptd
from tests.fixtures import wait_for

from .conftest import my_connect, pg_connect

pytestmark = pytest.mark.scriptd


@dataclasses.dataclass(frozen=True)
class TwoSockets(scriptd.Limits):
    sockets: int = 2


class SlowProxy:
    """A TCP proxy on 127.0.0.1 that waits `delay_s` after accepting before it connects to the real
    server and relays: a client's connect completes only after that delay."""

    def __init__(self, upstream_port: int, delay_s: float):
        self.upstream_port = upstream_port
        self.delay_s = delay_s
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.handlers: list[threading.Thread] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            handler = threading.Thread(target=self._relay, args=(client,), daemon=True)
            self.handlers.append(handler)
            handler.start()

    def _relay(self, client):
        time.sleep(self.delay_s)
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))

        def pump(src, dst):
            try:
                while chunk := src.recv(65536):
                    dst.sendall(chunk)
            except OSError:
                pass
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
        back.start()
        pump(client, upstream)
        back.join(timeout=10)
        client.close()
        upstream.close()

    def wait_idle(self, timeout_s: float = 10):
        for handler in list(self.handlers):
            handler.join(timeout=timeout_s)

    def close(self):
        self.server.close()


def _pg_sessions(app: str) -> int:
    with pg_connect("test") as db:
        return db.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (app,)).fetchone()[0]


def _mysql_sessions() -> int:  # the slow clients use the `mysql` system database, nothing else does
    with my_connect() as db, db.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM information_schema.PROCESSLIST WHERE DB = 'mysql' AND USER = 'root'"
            " AND ID <> CONNECTION_ID()"
        )
        return cur.fetchone()[0]


SLOW_CONNECT = {
    "pg": """async function login(e, p, cb) {
      const c = new (require('pg').Client)({ host: '127.0.0.1', port: %(port)d, user: 'postgres',
        database: configuration.PG_DATABASE, application_name: '%(app)s', connectionTimeoutMillis: 30000 });
      await c.connect();
      cb(null, 'connected');
    }""",
    "mysql": """async function login(e, p, cb) {
      const c = await require('mysql2/promise').createConnection({ host: '127.0.0.1', port: %(port)d, user: 'root',
        database: 'mysql', connectTimeout: 30000 });
      cb(null, 'connected');
    }""",
}
# As many clients at once as the budget allows, connected directly, then closed.
FULL_BUDGET = {
    "pg": """async function login(e, p, cb) {
      const { Client } = require('pg');
      const clients = [new Client(configuration.PG_URL), new Client(configuration.PG_URL)];
      for (const c of clients) await c.connect();
      for (const c of clients) await c.end();
      cb(null, clients.length);
    }""",
    "mysql": """async function login(e, p, cb) {
      const mysql = require('mysql2/promise');
      const clients = [];
      for (let i = 0; i < 2; i++) clients.push(await mysql.createConnection({ host: '127.0.0.1', user: 'root' }));
      for (const c of clients) await c.end();
      cb(null, clients.length);
    }""",
}
PORTS = {"pg": 5432, "mysql": 3306}


@pytest.mark.parametrize("db", ["pg", "mysql"])
def test_a_connect_that_outlives_its_run_leaks_neither_a_connection_nor_a_socket_slot(run, allowlist, legacy_db, db):
    proxy = SlowProxy(PORTS[db], delay_s=1.5)
    app = f"slow_{legacy_db}"
    connection_id = f"con_slow_connect_{db}"
    egress = [*allowlist, f"127.0.0.1:{proxy.port}"]
    sessions = (lambda: _pg_sessions(app)) if db == "pg" else _mysql_sessions
    try:
        source = SLOW_CONNECT[db] % {"port": proxy.port, "app": app}
        # More runs than the connection's 2 sockets, each gone while its connect is still waiting.
        for _ in range(3):
            outcome = run(
                source,
                mode="warm",
                connection_id=connection_id,
                egress_allowlist=egress,
                limits=TwoSockets(timeout_ms=300),
            )
            assert outcome.status == "timeout", outcome.result
        proxy.wait_idle()  # every delayed connect has reached the server and ended by now
        assert wait_for(
            lambda: sessions() == 0,
            timeout_s=10,
            every_s=0.1,
            message=lambda: f"{sessions()} server connections left open",
        )
        # The connection's socket budget is whole again: it can hold 2 clients at once.
        outcome = run(
            FULL_BUDGET[db],
            mode="warm",
            connection_id=connection_id,
            egress_allowlist=egress,
            limits=TwoSockets(timeout_ms=5000),
        )
        assert outcome.status == "ok", outcome.result
        assert outcome.value == 2
    finally:
        proxy.close()
