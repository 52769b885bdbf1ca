"""The escape battery on the raw socket layer (`net`, `tls`, `http`): whatever a script passes to
net.connect, the host opens a socket only to an allow-listed host:port, resolved and pinned, never to
loopback or private addresses by another spelling, never to a path; caps hold; and sockets a run
leaves open are closed by the sandbox."""

import socket
import threading
import time

import pytest

from .test_bridges import LimitsWithSockets, ok

pytestmark = pytest.mark.scriptd

CONNECT = """async function login(e, p, cb) {
  const net = require('net');
  const outcome = await new Promise((resolve) => {
    const s = net.connect(%s);
    s.on('connect', () => { s.destroy(); resolve('connected'); });
    s.on('error', (err) => resolve(err.code + ': ' + err.message));
  });
  cb(null, outcome);
}"""


@pytest.mark.parametrize(
    "target",
    [
        "5432, '127.0.0.1'",
        "5432, '127.1'",
        "5432, '0x7f000001'",
        "5432, '2130706433'",
        "5432, '0177.0.0.1'",
        "5432, 'localhost'",
        "5432, '::1'",
        "5432, '[::1]'",
        "5432, '::ffff:127.0.0.1'",
        "5432, '0.0.0.0'",
        "5432, '0'",
        "6379, '127.0.0.1'",
        "5432, '169.254.169.254'",
        "{ port: 5432 }",
        "{ path: '/var/run/postgresql/.s.PGSQL.5432' }",
        "'/tmp/.s.PGSQL.5432'",
        "{ path: '\\0abstract' }",
    ],
)
def test_raw_sockets_reach_nothing_unlisted(run, target):
    # Only 127.0.0.1:3306 is listed: nothing above is, whatever its spelling.
    value = ok(run(CONNECT % target, egress_allowlist=["127.0.0.1:3306"]))
    assert value.startswith("EGRESS_REFUSED: egress to"), value


def test_the_scriptd_socket_is_not_reachable(run, scriptd_socket):
    value = ok(run(CONNECT % f"{{ path: {scriptd_socket!r} }}", egress_allowlist=["127.0.0.1:3306"]))
    assert value.startswith("EGRESS_REFUSED") and "no socket paths" in value


def test_a_listed_target_connects_and_speaks(run):
    source = """async function login(e, p, cb) {
      const s = require('net').connect(3306, '127.0.0.1');
      s.once('data', (greeting) => { s.end(); cb(null, { seq: greeting[3], isBuffer: Buffer.isBuffer(greeting), remote: s.remotePort }); });
      s.on('error', cb);
    }"""
    assert ok(run(source, egress_allowlist=["127.0.0.1:3306"])) == {"seq": 0, "isBuffer": True, "remote": 3306}


def test_http_and_tls_go_through_the_same_check(run):
    source = """async function login(e, p, cb) {
      const out = [];
      await new Promise((r) => require('http').get('http://127.0.0.1:6379/', r).on('error', (err) => { out.push(err.code); r(); }));
      await new Promise((r) => require('tls').connect(5432, '127.0.0.1').on('error', (err) => { out.push(err.code); r(); }));
      await require('axios').get('http://[::1]:8000/').catch((err) => out.push(err.code));
      cb(null, out);
    }"""
    assert ok(run(source, egress_allowlist=["127.0.0.1:3306"])) == ["EGRESS_REFUSED"] * 3


def test_raw_sockets_count_against_the_socket_cap(run):
    source = """async function login(e, p, cb) {
      const net = require('net');
      const open = [];
      for (let i = 0; i < 5; i++) {
        const err = await new Promise((resolve) => {
          const s = net.connect(3306, '127.0.0.1', () => resolve(null));
          s.on('error', resolve);
          open.push(s);
        });
        if (err) { open.forEach((s) => s.destroy()); return cb(null, [i, err.code]); }
      }
      cb(new Error('no cap'));
    }"""
    limits = LimitsWithSockets(timeout_ms=5000)
    assert ok(run(source, limits=limits, connection_id="con_net_capped", egress_allowlist=["127.0.0.1:3306"])) == [
        3,
        "EGRESS_SOCKET_LIMIT",
    ]


@pytest.fixture
def counting_server():
    """A TCP server on 127.0.0.1 that accepts, never answers, and counts connections still open."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    state = {"open": 0, "accepted": 0}

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            state["open"] += 1
            state["accepted"] += 1

            def watch(c=conn):
                while c.recv(4096):
                    pass
                state["open"] -= 1
                c.close()

            threading.Thread(target=watch, daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1], state
    server.close()


def test_a_socket_left_open_after_the_answer_is_closed(run, counting_server):
    port, state = counting_server
    source = f"""function login(e, p, cb) {{
      const s = require('net').connect({port}, '127.0.0.1', () => cb(null, 'answered, socket left open'));
    }}"""
    assert ok(run(source, egress_allowlist=[f"127.0.0.1:{port}"])) == "answered, socket left open"
    deadline = time.monotonic() + 5
    # the server may accept only after the client saw its connect: wait for both the accept and the close
    while (state["open"] or not state["accepted"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert state["accepted"] == 1
    assert state["open"] == 0
