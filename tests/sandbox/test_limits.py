"""Runaway scripts: time and memory limits, dead workers. Each time the worker survives (or is
replaced) and another connection's concurrent logins keep succeeding."""

import os
import signal
import threading
import time

import pytest

from scriptd_client import client as scriptd
from scripts_editor.scripts import BY_KEY

from .conftest import sandboxed_node_pid, worker_index

LOGIN = BY_KEY["login"].for_scriptd()  # what scriptd is told about the login script

pytestmark = pytest.mark.scriptd

HOSTILE = "con_hostile"

TIMEOUTS = {
    "sync loop": "function login(e, p, cb) { while (true) {} }",
    "loop in a timer": "function login(e, p, cb) { setTimeout(() => { while (true) {} }, 10); }",
    "microtask loop": "function login(e, p, cb) { (function spin() { Promise.resolve().then(spin); })(); }",
    "never-settling promise": "async function login(e, p, cb) { await new Promise(() => {}); cb(null, 'never'); }",
    "callback never called": "function login(e, p, cb) { /* forgot the callback */ }",
    "blocking bridge call": "function login(e, p, cb) { for (;;) require('crypto').pbkdf2Sync('pw', 'salt', 2000000, 64, 'sha512'); }",
}


def restarts(socket_path):
    return [w["restarts"] for w in scriptd.ping(socket_path=socket_path)["workers"]]


@pytest.mark.parametrize("case", sorted(TIMEOUTS))
@pytest.mark.parametrize("mode", ["fresh", "warm"])
def test_a_runaway_script_times_out_and_harms_no_neighbour(run, neighbour, scriptd_socket, case, mode):
    before = restarts(scriptd_socket)
    with neighbour(near=HOSTILE) as other:
        started = time.monotonic()
        outcome = run(TIMEOUTS[case], timeout_ms=1000, mode=mode, connection_id=HOSTILE)
        elapsed_ms = (time.monotonic() - started) * 1000
    assert outcome.status == "timeout"
    assert outcome.error["name"] == "TimeoutError"
    assert 950 <= elapsed_ms < 3000, elapsed_ms  # stopped at its limit, not left to hang
    other.assert_unharmed()
    assert restarts(scriptd_socket) == before
    assert run("function login(e, p, cb) { cb(null, 'alive'); }", mode=mode, connection_id=HOSTILE).value == "alive"


MEMORY_BOMBS = {
    "array, sync": "function login(e, p, cb) { const a = []; while (true) a.push({ n: Math.random(), s: 'x' + Math.random() }); }",
    "array, in a timer": "function login(e, p, cb) { setTimeout(() => { const a = []; while (true) a.push([Math.random()]); }, 1); }",
    "string doubling": "function login(e, p, cb) { let s = 'xxxxxxxx'; const keep = []; while (true) { s = s + s; keep.push(s); } }",
    "buffers": "function login(e, p, cb) { const keep = []; while (true) keep.push(Buffer.alloc(1024 * 1024, 1)); }",
}


@pytest.mark.parametrize("case", sorted(MEMORY_BOMBS))
def test_a_memory_bomb_is_stopped_without_a_worker_restart(run, neighbour, scriptd_socket, case):
    before = restarts(scriptd_socket)
    with neighbour(near=HOSTILE) as other:
        outcome = run(MEMORY_BOMBS[case], memory_mb=32, timeout_ms=5000, mode="warm", connection_id=HOSTILE)
    assert outcome.status == "error", outcome.result
    assert outcome.error["name"] in ("MemoryError", "RangeError"), outcome.error
    other.assert_unharmed()
    assert restarts(scriptd_socket) == before
    assert (
        run(
            "function login(e, p, cb) { cb(null, global.x || 'fresh isolate'); }", mode="warm", connection_id=HOSTILE
        ).value
        == "fresh isolate"
    )


@pytest.mark.parametrize("mode", ["fresh", "warm"])
def test_a_script_cannot_keep_more_than_its_heap_limit(run, mode):
    # 48 MB of arrays kept, then an answer: a heap limit enforced only when a script never stops allocating
    # would let this through (it did with V8's --single-threaded-gc on the workers).
    source = """function login(e, p, cb) {
      const keep = [];
      for (let i = 0; i < 24; i++) keep.push(new Array(1 << 18).fill(i + 0.5));
      cb(null, keep.length);
    }"""
    outcome = run(source, memory_mb=32, timeout_ms=5000, mode=mode, connection_id="con_heap_limit")
    assert outcome.status == "error", outcome.result
    assert outcome.error["name"] == "MemoryError", outcome.error


def test_leftover_work_of_a_warm_isolate_cannot_run_forever(run, neighbour):
    source = "function login(e, p, cb) { cb(null, 'answered'); setTimeout(() => { while (true) {} }, 1); }"
    with neighbour(near="con_leftover") as other:
        assert run(source, mode="warm", connection_id="con_leftover", timeout_ms=500).value == "answered"
        time.sleep(0.8)
        after = run("function login(e, p, cb) { cb(null, 'next'); }", mode="warm", connection_id="con_leftover")
    assert after.value == "next"
    other.assert_unharmed()


def test_a_timer_bomb_is_refused(run):
    outcome = run(
        "function login(e, p, cb) { for (let i = 0; i < 20000; i++) setTimeout(() => {}, 60000); cb(null, 'no'); }",
        timeout_ms=10_000,  # 10,000 host calls take more than the default second on a loaded machine
    )
    assert outcome.status == "error"
    assert "Too many pending timers" in outcome.error["message"]


def test_a_worker_killed_mid_run_answers_crash_and_is_replaced(run, neighbour, scriptd_socket):
    victim_index = worker_index(HOSTILE)
    pong = scriptd.ping(socket_path=scriptd_socket)
    victim = pong["workers"][victim_index]
    with neighbour(away_from=HOSTILE) as other:
        outcomes = []
        # The run is sent from a thread (run_script is lazy): it is in the worker before the kill.
        sender = threading.Thread(
            target=lambda: outcomes.append(
                scriptd.run_script_collect(
                    **LOGIN,
                    source="function login(e, p, cb) { setTimeout(() => cb(null, 1), 5000); }",
                    args=["a", "b"],
                    mode="warm",
                    connection_id=HOSTILE,
                    limits=scriptd.Limits(timeout_ms=10000),
                    socket_path=scriptd_socket,
                )
            )
        )
        sender.start()
        time.sleep(0.5)
        os.kill(sandboxed_node_pid(victim["pid"]), signal.SIGKILL)
        sender.join(timeout=15)
        time.sleep(0.3)
    assert outcomes[0].status == "crash", outcomes[0].result
    other.assert_unharmed()
    deadline = time.monotonic() + 10
    while True:
        worker = scriptd.ping(socket_path=scriptd_socket)["workers"][victim_index]
        if worker["alive"] and worker["restarts"] == victim["restarts"] + 1:
            break
        assert time.monotonic() < deadline, "the worker was not replaced"
        time.sleep(0.1)
    assert (
        run("function login(e, p, cb) { cb(null, 'replaced'); }", mode="warm", connection_id=HOSTILE).value
        == "replaced"
    )
