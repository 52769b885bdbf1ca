"""SQL Server (tedious), Oracle (oracledb thin) and Neo4j (neo4j-driver), whose servers cannot run on
these machines: the real driver loads in plain Node, puts its own protocol's first message on the wire
(recorded by a listener here), and reports a refused connection and a TLS failure clearly. End-to-end
use against a real server is NOT verified here."""

import socket
import ssl
import tempfile
import threading

import pytest

from tests.fixtures.tls import free_port

PACKAGES = {"tedious": "tedious", "oracledb": "oracledb", "neo4j": "neo4j-driver"}


class Recorder:
    """A TCP (or TLS) listener on 127.0.0.1 that keeps the first bytes of each connection, then hangs up."""

    def __init__(self, context: ssl.SSLContext | None = None):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.context = context
        self.first_bytes: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                if self.context:
                    conn = self.context.wrap_socket(conn, server_side=True)
                conn.settimeout(5)
                self.first_bytes.append(conn.recv(4096))
            except OSError:
                pass
            finally:
                conn.close()

    def close(self):
        self.sock.close()


def connect(node_script, packages, kind, port, mode="plain", host="127.0.0.1"):
    return node_script("db_connect.js", kind, packages(PACKAGES[kind]), host, str(port), mode)


@pytest.mark.parametrize("kind", PACKAGES)
def test_a_refused_connection_is_reported_clearly(node_script, packages, kind):
    out = connect(node_script, packages, kind, free_port())
    assert "error" in out, out
    text = f"{out.get('code')} {out['message']}"
    assert "ECONNREFUSED" in text or "refused" in text.lower(), out


# What each protocol's first message starts with: TDS PRELOGIN (packet type 0x12), a TNS CONNECT packet
# (type 1 at byte 4), Bolt's magic preamble.
FIRST_MESSAGE = {
    "tedious": lambda b: b[0] == 0x12,
    "oracledb": lambda b: len(b) > 4 and b[4] == 0x01,
    "neo4j": lambda b: b[:4] == bytes.fromhex("6060b017"),
}


@pytest.mark.parametrize("kind", PACKAGES)
def test_the_driver_speaks_its_protocol_then_reports_the_hang_up(node_script, packages, kind):
    recorder = Recorder()
    try:
        out = connect(node_script, packages, kind, recorder.port)
    finally:
        recorder.close()
    assert "error" in out, out
    assert recorder.first_bytes and FIRST_MESSAGE[kind](recorder.first_bytes[0]), recorder.first_bytes


@pytest.mark.parametrize("kind", ["oracledb", "neo4j"])
def test_an_untrusted_certificate_is_a_clear_tls_failure(node_script, packages, authority, kind):
    """Oracle's tcps:// and Neo4j's neo4j+s:// start with TLS: a server certificate from an authority
    Node does not trust fails the connection, and the message says so. (tedious negotiates TLS inside
    TDS, after PRELOGIN, so a TLS listener is no test of it.)"""
    cert, key = authority.issue(hosts=["localhost", "127.0.0.1"])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.NamedTemporaryFile("w", suffix=".pem") as pem:
        pem.write(cert + key)
        pem.flush()
        context.load_cert_chain(pem.name)
    recorder = Recorder(context)
    try:
        out = connect(node_script, packages, kind, recorder.port, mode="tls", host="localhost")
    finally:
        recorder.close()
    assert "error" in out, out
    assert "certificate" in out["message"].lower(), out
