"""The network layer's limits, each reached for real: bytes in and out per run and per isolate, the
idle-socket timeout, a socket left open by a warm isolate (closed when the isolate goes, not before),
and dns.resolveSrv/resolveTxt answered by a name server of the test's own, for allow-listed names only.

The limits are lowered for a scriptd of this module's own (its --net-* options); the defaults (64 MB
per run, 1 GB per isolate, 10 minutes idle) are the same code with bigger numbers."""

import socket
import threading
import time

import pytest

from scriptd_client import client as scriptd
from scripts_editor.scripts import BY_KEY
from tests.fixtures import wait_for
from tests.fixtures.name_server import NameServer
from tests.fixtures.scriptd import scriptd_running

pytestmark = pytest.mark.scriptd

RUN_BYTES = 1_000_000
ISOLATE_BYTES = 2_500_000
IDLE_MS = 400
LOGIN = BY_KEY["login"].for_scriptd()


class LocalServer:
    """TCP on 127.0.0.1, each accepted connection served on a thread of its own by `_serve(conn)`."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()


class TrafficServer(LocalServer):
    """A client line "SEND n" gets n bytes back; anything else is read and dropped. Counts connections
    accepted and still open."""

    def __init__(self):
        self.accepted = 0
        self.open = 0
        super().__init__()

    def _serve(self, conn):
        self.accepted += 1
        self.open += 1
        try:
            while chunk := conn.recv(65536):
                if chunk.startswith(b"SEND "):
                    conn.sendall(b"x" * int(chunk.split()[1]))
        except OSError:
            pass
        finally:
            self.open -= 1
            conn.close()


@pytest.fixture(scope="module")
def name_server():
    server = NameServer()
    yield server
    server.sock.close()


@pytest.fixture(scope="module")
def limited_scriptd(tmp_path_factory, name_server):
    options = {
        "net-run-max-bytes": RUN_BYTES,
        "net-isolate-max-bytes": ISOLATE_BYTES,
        "net-idle-ms": IDLE_MS,
        "dns-server": f"127.0.0.1:{name_server.port}",
    }
    with scriptd_running(tmp_path_factory.mktemp("netlimits"), workers=1, worker_options=options) as socket_path:
        yield socket_path


@pytest.fixture
def traffic():
    server = TrafficServer()
    yield server
    server.server.close()


@pytest.fixture
def run(limited_scriptd):
    def run(source, *, allow, timeout_ms=5000, **kwargs):
        return scriptd.run_script_collect(
            **LOGIN,
            source=source,
            args=["alice@example.com", "pw"],
            egress_allowlist=allow,
            limits=scriptd.Limits(timeout_ms=timeout_ms),
            socket_path=limited_scriptd,
            **kwargs,
        )

    return run


def ok(outcome):
    assert outcome.status == "ok", outcome.result
    return outcome.value


# Asks for `want` bytes (and writes `send` bytes), answers with what arrived and how it ended.
MOVE = """function login(e, p, cb) {
  const s = require('net').connect(%(port)d, '127.0.0.1');
  let got = 0;
  s.on('connect', () => { if (%(send)d) s.write(Buffer.alloc(%(send)d)); s.write('SEND %(want)d'); });
  s.on('data', (d) => { got += d.length; if (got >= %(want)d) { s.destroy(); cb(null, { got }); } });
  s.on('error', (err) => cb(null, { got, code: err.code, message: err.message }));
}"""


def test_bytes_in_per_run_are_capped(run, traffic):
    allow = [f"127.0.0.1:{traffic.port}"]
    assert ok(run(MOVE % {"port": traffic.port, "want": 400_000, "send": 0}, allow=allow)) == {"got": 400_000}
    over = ok(run(MOVE % {"port": traffic.port, "want": 3 * RUN_BYTES, "send": 0}, allow=allow))
    assert over["code"] == "ERR_SOCKET_BYTES_LIMIT"
    assert f"a run may move at most {RUN_BYTES} bytes" in over["message"]
    assert over["got"] <= RUN_BYTES


def test_bytes_out_per_run_are_capped(run, traffic):
    allow = [f"127.0.0.1:{traffic.port}"]
    over = ok(run(MOVE % {"port": traffic.port, "want": 10, "send": RUN_BYTES + 1}, allow=allow))
    assert over["code"] == "ERR_SOCKET_BYTES_LIMIT"
    assert over["got"] == 0
    assert wait_for(lambda: traffic.open == 0, timeout_s=5, every_s=0.05)


def test_a_warm_isolate_has_a_byte_budget_for_its_life(run, traffic):
    """Each run may move RUN_BYTES; the isolate, over all its runs, ISOLATE_BYTES."""
    allow = [f"127.0.0.1:{traffic.port}"]
    source = MOVE % {"port": traffic.port, "want": 900_000, "send": 0}
    outcomes = [ok(run(source, allow=allow, mode="warm", connection_id="con_bytes_life")) for _ in range(3)]
    assert outcomes[0] == outcomes[1] == {"got": 900_000}  # under the per-run cap each time
    assert outcomes[2]["code"] == "ERR_SOCKET_BYTES_LIMIT"
    assert f"isolate may move at most {ISOLATE_BYTES} bytes" in outcomes[2]["message"]


def test_an_idle_socket_is_closed_by_the_sandbox(run, traffic):
    source = f"""function login(e, p, cb) {{
      const started = Date.now();
      const s = require('net').connect({traffic.port}, '127.0.0.1');
      s.on('error', (err) => cb(null, {{ code: err.code, message: err.message, waited: Date.now() - started }}));
      s.on('close', () => setTimeout(() => cb(null, 'closed without an error'), 50));
    }}"""
    value = ok(run(source, allow=[f"127.0.0.1:{traffic.port}"]))
    assert value["code"] == "ETIMEDOUT"
    assert f"socket idle for {IDLE_MS} ms" in value["message"]
    assert value["waited"] >= IDLE_MS
    assert wait_for(lambda: traffic.open == 0, timeout_s=5, every_s=0.05)


def test_a_socket_a_warm_isolate_leaves_open_lives_until_the_isolate_goes(run, traffic, limited_scriptd):
    """Between runs a warm isolate may keep its sockets (pools do); they close when it is disposed."""
    allow = [f"127.0.0.1:{traffic.port}"]
    source = f"""function login(e, p, cb) {{
      // keeps the socket busy so that the idle timeout does not close it first
      global.s = require('net').connect({traffic.port}, '127.0.0.1', () => cb(null, 'left open'));
      global.beat = setInterval(() => global.s.write('.'), 100);
    }}"""
    assert ok(run(source, allow=allow, mode="warm", connection_id="con_left_open")) == "left open"
    time.sleep(IDLE_MS * 2 / 1000)
    assert (traffic.accepted, traffic.open) == (1, 1)  # the pool's socket stays
    # A timeout recycles the isolate: its socket closes with it.
    assert (
        run(
            "function login(e, p, cb) {}", allow=allow, mode="warm", connection_id="con_left_open", timeout_ms=200
        ).status
        == "timeout"
    )
    assert wait_for(lambda: traffic.open == 0, timeout_s=5, every_s=0.05)
    assert all(w["alive"] for w in scriptd.ping(socket_path=limited_scriptd)["workers"])


def test_srv_and_txt_records_for_listed_names_only(run, name_server):
    source = """async function login(e, p, cb) {
      const dns = require('dns');
      const srv = await new Promise((resolve, reject) => dns.resolveSrv('_mongodb._tcp.cluster.trickle.test', (err, r) => err ? reject(err) : resolve(r)));
      const txt = await dns.promises.resolveTxt('cluster.trickle.test');
      const refused = await dns.promises.resolveTxt('secret.test').catch((err) => err.code);
      const missing = await dns.promises.resolveSrv('_mongodb._tcp.gone.cluster.trickle.test').catch((err) => err.code);
      cb(null, { srv, txt, refused, missing });
    }"""
    value = ok(run(source, allow=["cluster.trickle.test:27017"]))
    srv = value["srv"][0]  # as Node 24 answers (it adds "type": "SRV")
    assert {k: srv[k] for k in ("name", "port", "priority", "weight")} == {
        "name": "db1.cluster.trickle.test",
        "port": 27017,
        "priority": 0,
        "weight": 5,
    }
    assert len(value["srv"]) == 1
    assert value["txt"] == [["authSource=admin&replicaSet=rs0"]]
    assert value["refused"] == "ENOTFOUND"
    assert value["missing"] == "ENOTFOUND"
    assert "secret.test" not in name_server.asked  # refused before any query left the host
    assert "_mongodb._tcp.cluster.trickle.test" in name_server.asked


class RecordingServer(LocalServer):
    """Keeps what each connection sent, in order of connecting, and whether it ended cleanly."""

    def __init__(self):
        self.received: list[bytes] = []
        self.ended: list[bool] = []
        self.lock = threading.Lock()
        super().__init__()

    def _serve(self, conn):
        with self.lock:
            index = len(self.received)
            self.received.append(b"")
        ended = False
        try:
            while chunk := conn.recv(65536):
                self.received[index] += chunk
            ended = True
        except OSError:
            pass
        finally:
            self.ended.append(ended)
            conn.close()


@pytest.fixture
def recorder():
    server = RecordingServer()
    yield server
    server.server.close()


def net_writes(socket_path):
    return sum(w["bridge_calls"].get("net.write", 0) for w in scriptd.stats(socket_path=socket_path)["workers"])


def test_the_writes_of_one_turn_cross_to_the_host_once(run, recorder, limited_scriptd):
    """A driver writes a query as several protocol messages at once (pg: parse, bind, describe,
    execute, sync): they reach the host in one call, in order, and each write's callback runs."""
    source = f"""function login(e, p, cb) {{
      const s = require('net').connect({recorder.port}, '127.0.0.1', () => {{
        const called = [];
        for (const part of ['parse;', 'bind;', 'describe;', 'execute;', 'sync;']) s.write(part, () => called.push(part));
        s.end(() => cb(null, called));
      }});
    }}"""
    before = net_writes(limited_scriptd)
    assert ok(run(source, allow=[f"127.0.0.1:{recorder.port}"])) == [
        "parse;",
        "bind;",
        "describe;",
        "execute;",
        "sync;",
    ]
    assert net_writes(limited_scriptd) - before == 1
    assert wait_for(lambda: recorder.ended == [True], timeout_s=5, every_s=0.05)
    assert recorder.received == [b"parse;bind;describe;execute;sync;"]


def test_a_large_write_waits_for_the_host_and_then_drains(run, recorder):
    """Past 64 kB on its way, write() says to wait (returns false) and 'drain' follows, as in Node."""
    source = f"""function login(e, p, cb) {{
      const s = require('net').connect({recorder.port}, '127.0.0.1', () => {{
        const waits = s.write(Buffer.alloc(200000, 97)) === false;
        const buffered = s.bufferSize;
        s.once('drain', () => {{ const drained = s.bufferSize; s.write('END'); s.end(() => cb(null, {{ waits, buffered, drained }})); }});
      }});
    }}"""
    assert ok(run(source, allow=[f"127.0.0.1:{recorder.port}"])) == {"waits": True, "buffered": 200000, "drained": 0}
    assert wait_for(lambda: recorder.ended == [True], timeout_s=5, every_s=0.05)
    assert recorder.received == [b"a" * 200000 + b"END"]


def test_what_was_written_goes_out_before_end_or_destroy(run, recorder):
    source = f"""function login(e, p, cb) {{
      const net = require('net');
      const a = net.connect({recorder.port}, '127.0.0.1', () => {{ a.write('ended after this'); a.end(); }});
      a.on('close', () => {{
        const b = net.connect({recorder.port}, '127.0.0.1', () => {{ b.write('destroyed after this'); b.destroy(); cb(null, 'done'); }});
      }});
    }}"""
    assert ok(run(source, allow=[f"127.0.0.1:{recorder.port}"])) == "done"
    assert wait_for(lambda: len(recorder.ended) == 2, timeout_s=5, every_s=0.05)
    assert recorder.received == [b"ended after this", b"destroyed after this"]


def test_a_refused_write_that_was_already_acknowledged_errors_the_socket(run, recorder):
    """Small writes are acknowledged before the host has them; if the host then refuses them (here:
    over the run's byte cap), the socket ends with that error, as a failed write does in Node."""
    source = f"""function login(e, p, cb) {{
      const s = require('net').connect({recorder.port}, '127.0.0.1', () => {{
        for (let i = 0; i < 40; i++) s.write(Buffer.alloc(30000));
      }});
      s.on('error', (err) => cb(null, {{ code: err.code, destroyed: s.destroyed }}));
    }}"""
    assert ok(run(source, allow=[f"127.0.0.1:{recorder.port}"])) == {
        "code": "ERR_SOCKET_BYTES_LIMIT",
        "destroyed": True,
    }
    assert wait_for(lambda: len(recorder.ended) == 1, timeout_s=5, every_s=0.05)
    assert len(recorder.received[0]) <= RUN_BYTES


def test_a_small_write_over_the_cap_errors_the_socket_though_nobody_waits_for_it(run, traffic):
    """A small write is not answered by the host (nothing waits on it); when the host refuses it, the
    socket still ends with the refusal as its error."""
    want = RUN_BYTES - 100  # with the request's own bytes, just under the run's cap
    source = f"""function login(e, p, cb) {{
      const s = require('net').connect({traffic.port}, '127.0.0.1', () => s.write('SEND {want}'));
      let got = 0;
      s.on('data', (d) => {{ got += d.length; if (got === {want}) s.write(Buffer.alloc(200), () => {{}}); }});
      s.on('error', (err) => cb(null, {{ got, code: err.code }}));
    }}"""
    assert ok(run(source, allow=[f"127.0.0.1:{traffic.port}"])) == {"got": want, "code": "ERR_SOCKET_BYTES_LIMIT"}


def test_a_refused_held_back_write_calls_back_with_the_error_once(run, recorder):
    source = f"""function login(e, p, cb) {{
      const s = require('net').connect({recorder.port}, '127.0.0.1', () => {{
        s.write(Buffer.alloc({RUN_BYTES + 100000}), (err) => {{
          const heard = {{ callback: err && err.code, destroyed: s.destroyed }};
          setTimeout(() => cb(null, {{ ...heard, errors }}), 100);
        }});
      }});
      const errors = [];
      s.on('error', (err) => errors.push(err.code));
    }}"""
    assert ok(run(source, allow=[f"127.0.0.1:{recorder.port}"])) == {
        "callback": "ERR_SOCKET_BYTES_LIMIT",
        "destroyed": True,
        "errors": ["ERR_SOCKET_BYTES_LIMIT"],
    }


def test_destroying_a_socket_with_a_held_back_write_emits_no_error(run, recorder):
    """As in Node: after destroy() nothing more is emitted, and the pending write's callback still runs."""
    source = f"""function login(e, p, cb) {{
      const events = [];
      const s = require('net').connect({recorder.port}, '127.0.0.1', () => {{
        s.write(Buffer.alloc(500000), () => events.push('callback'));
        s.destroy();
      }});
      s.on('error', (err) => events.push('error ' + err.code));
      s.on('close', () => setTimeout(() => cb(null, events.concat('close')), 100));
    }}"""
    assert ok(run(source, allow=[f"127.0.0.1:{recorder.port}"])) == ["callback", "close"]


def test_end_right_after_a_large_write_sends_it_all_first(run, recorder):
    source = f"""function login(e, p, cb) {{
      const s = require('net').connect({recorder.port}, '127.0.0.1', () => {{
        s.write(Buffer.alloc(300000, 98));
        s.end(() => cb(null, 'ended'));
      }});
    }}"""
    assert ok(run(source, allow=[f"127.0.0.1:{recorder.port}"])) == "ended"
    assert wait_for(lambda: recorder.ended == [True], timeout_s=5, every_s=0.05)
    assert recorder.received == [b"b" * 300000]
