"""What crosses between scriptd and its callers, and between an isolate and its worker, per run: a run
that starts at once sends no `started` line (one line fewer each way per login), one that waited does;
the calls an isolate makes without waiting for an answer (socket writes, timers, its answer) cannot
pile up in the worker's memory however fast a script makes them; an isolate keeps its own timers,
the host one alarm for the earliest, with Node's order of firing; and a blocking call (pbkdf2Sync,
bcrypt's hashSync) waits on memory the isolate shares with its worker, which answers any size, ends
with its run, and cannot be made from the worker's own synchronous entry."""

import hashlib
import json
import socket
import threading
import time
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from scriptd_client import client as scriptd
from scriptd_client.limits import DEADLINE_GRACE_S

from .conftest import LOGIN, sandboxed_node_pid

pytestmark = pytest.mark.scriptd


def _events(socket_path: str, source: str, *, connection: str, timeout_ms: int = 5000) -> list[dict]:
    """Every line scriptd sends for one warm login run, as sent (the client would swallow `started`)."""
    request = {
        "type": "run",
        "id": uuid.uuid4().hex,
        "connection": connection,
        **LOGIN,
        "source": source,
        "args": ["a@b.c", "pw"],
        "limits": {"timeout_ms": timeout_ms, "memory_mb": 64},
        "mode": "warm",
    }
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout_ms / 1000 + DEADLINE_GRACE_S)
        sock.connect(socket_path)
        sock.sendall(json.dumps(request).encode() + b"\n")
        events = []
        with sock.makefile() as lines:
            for line in lines:
                events.append(json.loads(line))
                if events[-1]["type"] == "result":
                    return events
    raise AssertionError(f"no result: {events}")


def test_a_run_that_starts_at_once_sends_only_its_answer(scriptd_socket):
    source = "function login(e, p, cb) { console.log('hi'); cb(null, { user_id: e }); }"
    events = _events(scriptd_socket, source, connection="con_at_once")
    assert [e["type"] for e in events] == ["log", "result"]
    assert events[-1]["status"] == "ok"


def test_a_run_that_waited_for_an_isolate_says_when_it_started(scriptd_socket):
    # Three runs of one connection at once: two take its two isolates in the worker, one waits for one.
    slow = "function login(e, p, cb) { setTimeout(() => cb(null, { user_id: e }), 600); }"
    answers = []
    threads = [
        threading.Thread(target=lambda: answers.append(_events(scriptd_socket, slow, connection="con_waits")))
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # `waiting` is between the worker and the supervisor only.
    assert sorted([e["type"] for e in events] for events in answers) == [["result"], ["result"], ["started", "result"]]
    assert all(events[-1]["status"] == "ok" for events in answers)


def _peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024


def test_calls_that_wait_for_no_answer_cannot_pile_up_in_the_worker(one_worker_scriptd):
    # 400,000 timer calls as fast as the isolate can make them: the worker's thread takes each, and the
    # isolate waits for it every few hundred calls, so the queue between them stays small. (Without that
    # wait the worker's peak memory grew by about 600 MB here; with it, by about 6 MB.)
    pid = sandboxed_node_pid(scriptd.ping(socket_path=one_worker_scriptd)["workers"][0]["pid"])
    source = """function login(e, n, cb) {
      for (let i = 0; i < n; i++) clearTimeout(setTimeout(() => {}, 60000));
      cb(null, { user_id: e });
    }"""

    def calls(n):
        outcome = scriptd.run_script_collect(
            **LOGIN,
            source=source,
            args=["a@b.c", n],
            mode="warm",
            connection_id="con_many_calls",
            limits=scriptd.Limits(timeout_ms=30_000),
            socket_path=one_worker_scriptd,
        )
        assert outcome.status == "ok", outcome.result

    calls(1000)  # the isolate, with its script compiled
    before = _peak_rss_mb(pid)
    calls(200_000)
    assert _peak_rss_mb(pid) - before < 40


def test_timers_fire_in_order_of_when_they_are_due(run):
    # Ties fire in the order they were set; a cleared timer never fires, and the ones after it still do;
    # refresh() starts a delay again; a timer's microtasks run before the next timer, as in Node.
    source = """function login(e, p, cb) {
      const seen = [];
      setTimeout(() => seen.push('b30'), 30);
      setTimeout(() => { seen.push('a10'); Promise.resolve().then(() => seen.push('a10-then')); }, 10);
      setTimeout(() => seen.push('c10'), 10);
      clearTimeout(setTimeout(() => seen.push('cleared5'), 5));
      const late = setTimeout(() => seen.push('refreshed'), 20);
      setTimeout(() => late.refresh(), 15);
      let ticks = 0;
      const every = setInterval(() => { seen.push('tick'); if (++ticks === 2) clearInterval(every); }, 12);
      setTimeout(() => cb(null, seen), 80);
    }"""
    outcome = run(source)
    assert outcome.status == "ok", outcome.result
    assert outcome.value == ["a10", "a10-then", "c10", "tick", "tick", "b30", "refreshed"]


def _stat(socket_path: str, name: str) -> int:
    return sum(w[name] for w in scriptd.stats(socket_path=socket_path)["workers"])


def test_a_timer_cleared_and_set_again_each_run_costs_the_host_no_timer(one_worker_scriptd):
    # A database pool's idle timer: cleared when a login takes the client, set again when it gives it
    # back. The host keeps one alarm for the isolate's earliest timer, so those calls never reach it.
    source = """function login(e, p, cb) {
      clearTimeout(global.idle);
      global.idle = setTimeout(() => {}, 10000);
      cb(null, { user_id: e });
    }"""
    before = _stat(one_worker_scriptd, "timer_alarms")
    for _ in range(50):
        outcome = scriptd.run_script_collect(
            **LOGIN,
            source=source,
            args=["a@b.c", "pw"],
            mode="warm",
            connection_id="con_idle_timer",
            socket_path=one_worker_scriptd,
        )
        assert outcome.status == "ok", outcome.result
    # One per isolate: the connection's first run, and its second isolate if a run ever overlapped.
    assert _stat(one_worker_scriptd, "timer_alarms") - before <= 2


def test_a_timer_left_by_one_run_fires_between_runs(run):
    first = run(
        "function login(e, p, cb) { global.fired = false; setTimeout(() => { global.fired = true; }, 30); cb(null, 1); }",
        mode="warm",
        connection_id="con_timer_between",
    )
    assert first.status == "ok", first.result
    time.sleep(0.2)
    second = run("function login(e, p, cb) { cb(null, global.fired); }", mode="warm", connection_id="con_timer_between")
    assert second.value is True


def test_a_script_that_replaces_date_now_still_gets_its_timers(run):
    outcome = run("function login(e, p, cb) { Date.now = () => 0; setTimeout(() => cb(null, 'fired'), 20); }")
    assert outcome.value == "fired", outcome.result


def test_a_blocking_call_gets_its_own_answer_whatever_its_size(run):
    # Answers of up to 8192 characters come back in the shared memory, larger ones through a callback:
    # AES-256-CTR of 6135 bytes answers exactly 8192 ({"value":"<8180 characters of base64>"}), of 6136
    # bytes 8196; 60000 random bytes are 80000 characters. Each call after another gets its own answer.
    source = """function login(e, p, cb) {
      const crypto = require('crypto');
      const encrypted = [6135, 6136].map((n) => {
        const plain = Buffer.alloc(n);
        for (let i = 0; i < n; i++) plain[i] = i % 251;
        const cipher = crypto.createCipheriv('aes-256-ctr', Buffer.alloc(32, 1), Buffer.alloc(16, 2));
        return Buffer.concat([cipher.update(plain), cipher.final()]).toString('hex');
      });
      const sizes = [16, 60000, 32].map((n) => crypto.randomBytes(n).length);
      const keys = ['one', 'two'].map((pw) => crypto.pbkdf2Sync(pw, 'salt', 1000, 32, 'sha256').toString('hex'));
      cb(null, { encrypted, sizes, keys });
    }"""
    outcome = run(source)
    assert outcome.status == "ok", outcome.result

    def aes_ctr(n: int) -> str:
        encryptor = Cipher(algorithms.AES(bytes([1]) * 32), modes.CTR(bytes([2]) * 16)).encryptor()
        return (encryptor.update(bytes(i % 251 for i in range(n))) + encryptor.finalize()).hex()

    assert outcome.value["encrypted"] == [aes_ctr(6135), aes_ctr(6136)]
    assert outcome.value["sizes"] == [16, 60000, 32]
    assert outcome.value["keys"] == [hashlib.pbkdf2_hmac("sha256", pw, b"salt", 1000).hex() for pw in (b"one", b"two")]


def test_a_blocking_call_that_outlasts_its_run_ends_with_it(run):
    # The run's time limit ends while its isolate waits for a bcrypt(15) hash (over a second): the run
    # answers `timeout` and its isolate goes. The connection's next isolate gets the answers to its own
    # blocking calls, while the orphaned hash still runs on the thread pool and after it has ended.
    slow = "function login(e, p, cb) { require('bcrypt').hashSync('pw', 15); cb(null, 'hashed'); }"
    stopped = run(slow, timeout_ms=300, mode="warm", connection_id="con_stopped_wait")
    assert stopped.status == "timeout", stopped.result
    check = """function login(e, p, cb) {
      cb(null, require('crypto').pbkdf2Sync(p, 'salt', 1000, 16, 'sha256').toString('hex'));
    }"""
    expected = hashlib.pbkdf2_hmac("sha256", b"pa55word", b"salt", 1000, 16).hex()
    for pause in (0, 2.5):
        time.sleep(pause)
        outcome = run(check, mode="warm", connection_id="con_stopped_wait", timeout_ms=3000)
        assert outcome.value == expected, outcome.result


def test_a_script_cannot_make_the_worker_wait_on_itself(run):
    # Loading a module enters the isolate synchronously from the worker's thread. A script that replaced
    # Map.prototype.set with a blocking call must not get that call made there: the thread that would
    # answer it would be the one waiting, and every run of the worker would stop with it.
    source = """function login(e, p, cb) {
      const crypto = require('crypto');
      const set = Map.prototype.set;
      Map.prototype.set = function (k, v) { crypto.pbkdf2Sync('a', 'b', 1, 8, 'sha256'); return set.call(this, k, v); };
      let loaded;
      try { loaded = typeof require('zlib').gzipSync; } catch (err) { loaded = 'refused: ' + err.message; }
      Map.prototype.set = set;
      cb(null, loaded);
    }"""
    outcome = run(source, timeout_ms=3000)
    assert outcome.status == "ok", outcome.result
    assert outcome.value == "function"
