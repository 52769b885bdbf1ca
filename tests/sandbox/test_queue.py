"""Warm runs that wait in their connection's line (at most 2 isolates per connection in a worker):
the wait ends in a `timeout` answer of its own, never in the worker being killed under every other
connection's runs, and the client counts its deadline from when the run actually starts."""

import json
import socket
import threading
import time

import pytest

from scriptd_client import client as scriptd
from scripts_editor.scripts import BY_KEY

pytestmark = pytest.mark.scriptd

LOGIN = BY_KEY["login"].for_scriptd()  # what scriptd is told about the login script

SLOW = "function login(e, p, cb) { setTimeout(() => cb(null, 'answered'), 2500); }"


def _workers(socket_path):
    return [(w["pid"], w["restarts"]) for w in scriptd.ping(socket_path=socket_path)["workers"]]


def test_queued_warm_runs_time_out_alone_and_the_worker_survives(one_worker_scriptd):
    socket_path = one_worker_scriptd
    before = _workers(socket_path)
    results: dict[str, dict] = {}

    def run(name, connection_id, timeout_ms):
        outcome = scriptd.run_script_collect(
            **LOGIN,
            source=SLOW,
            args=["a@b.c", "pw"],
            mode="warm",
            connection_id=connection_id,
            limits=scriptd.Limits(timeout_ms=timeout_ms),
            socket_path=socket_path,
        )
        results[name] = outcome.result

    # Five runs of one connection at once: two start, three wait in line (limit 3 s, 2.5 s each).
    threads = [threading.Thread(target=run, args=(f"A{i}", "con_queue_A", 3000)) for i in range(1, 6)]
    for t in threads:
        t.start()
    time.sleep(4)
    # Another connection's run on the same worker, in flight when a watchdog counted from sending
    # (3 s + 3 s grace) would have killed the worker for the runs still waiting in A's line.
    other = threading.Thread(target=run, args=("B1", "con_queue_B", 10_000))
    other.start()
    for t in [*threads, other]:
        t.join(timeout=60)

    assert results["B1"]["status"] == "ok", results["B1"]
    statuses = {name: r["status"] for name, r in results.items() if name.startswith("A")}
    assert set(statuses.values()) <= {"ok", "timeout"}, results
    waited = [r for r in results.values() if r["status"] == "timeout" and "busy" in r["error"]["message"]]
    assert waited, results  # at least the fifth run found both isolates busy for its whole limit
    assert "did not start within 3000 ms" in waited[0]["error"]["message"]
    assert list(statuses.values()).count("ok") >= 2
    assert _workers(socket_path) == before
    stats = scriptd.stats(socket_path=socket_path)["workers"]
    assert [w["host_pid"] for w in stats] == [pid for pid, _ in before]


def _fake_scriptd(socket_path, script):
    """A socket that answers one request with `script`: [(delay_s, event), ...]."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    server.listen(1)

    def serve():
        conn, _ = server.accept()
        with conn:
            request = json.loads(conn.makefile().readline())
            for delay, event in script:
                time.sleep(delay)
                conn.sendall(json.dumps({**event, "id": request["id"]}).encode() + b"\n")
            time.sleep(0.5)
        server.close()

    threading.Thread(target=serve, daemon=True).start()


def test_the_client_deadline_starts_again_when_the_run_starts(tmp_path, monkeypatch):
    # Limit 1 s + grace 1 s: the run waits 1.2 s in line, then answers 1.4 s after it started. That
    # is past 2 s from sending but within 2 s of `started`.
    monkeypatch.setattr(scriptd, "DEADLINE_GRACE_S", 1.0)
    socket_path = str(tmp_path / "fake.sock")
    _fake_scriptd(
        socket_path,
        [
            (1.2, {"type": "started"}),
            (0.7, {"type": "log", "level": "log", "text": "hi"}),
            (0.7, {"type": "result", "status": "ok", "value": 1, "ms": 1}),
        ],
    )
    events = list(
        scriptd.run_script(
            **LOGIN,
            source="x",
            args=[],
            mode="warm",
            connection_id="c",
            limits=scriptd.Limits(timeout_ms=1000),
            socket_path=socket_path,
        )
    )
    # `started` is the client's business only: callers see logs and the result as before.
    assert [e["type"] for e in events] == ["log", "result"]
