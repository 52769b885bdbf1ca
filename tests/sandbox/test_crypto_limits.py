"""PBKDF2 runs on libuv's thread pool, shared by every isolate of a worker: host work is charged to
its connection, started round-robin across connections (logins first), capped per connection, and a
run's queued jobs go when it answers. One script flooding the pool must not make another
connection's logins wait."""

import threading
import time

import pytest

from scriptd_client import client as scriptd
from scripts_editor.scripts import BY_KEY

pytestmark = pytest.mark.scriptd

LOGIN = BY_KEY["login"].for_scriptd()  # what scriptd is told about the login script

# 100 async jobs of ~1 s each (sha512, 1,000,000 iterations), then the answer 3 s later.
ASYNC_FLOOD = """function login(e, p, cb) {
  const crypto = require('crypto');
  let done = 0;
  for (let i = 0; i < 100; i++) crypto.pbkdf2('pw' + i, 'salt', 1000000, 64, 'sha512', (err) => { if (!err) done++; });
  setTimeout(() => cb(null, { queued: 100, done }), 3000);
}"""
# Back-to-back blocking calls for 3 s.
SYNC_FLOOD = """function login(e, p, cb) {
  const crypto = require('crypto');
  const until = Date.now() + 3000;
  let n = 0;
  while (Date.now() < until) { crypto.pbkdf2Sync('pw', 'salt', 1000000, 64, 'sha512'); n++; }
  cb(null, n);
}"""
SMALL = """function login(e, p, cb) {
  require('crypto').pbkdf2('pw', 'salt', 1, 32, 'sha256', (err, key) => cb(err, key && key.toString('hex')));
}"""


def _host_work(socket_path, role="login"):
    """Host work of the first worker of `role`: logins run in login workers, Try runs in the Try worker."""
    return next(w for w in scriptd.stats(socket_path=socket_path)["workers"] if w["role"] == role)["host_work"]


def test_a_pbkdf2_flood_does_not_delay_another_connection_and_is_dropped_with_its_run(one_worker_scriptd):
    socket_path = one_worker_scriptd

    def run(source, timeout_ms=20_000, **kwargs):
        return scriptd.run_script_collect(
            **LOGIN,
            source=source,
            args=["a@b.c", "pw"],
            socket_path=socket_path,
            limits=scriptd.Limits(timeout_ms=timeout_ms),
            **kwargs,
        )

    # The other connection's isolate is warm before the flood starts.
    assert run(SMALL, mode="warm", connection_id="con_crypto_small").status == "ok"
    outcomes = {}
    flooders = [
        threading.Thread(target=lambda: outcomes.update(flood=run(ASYNC_FLOOD, mode="fresh"))),
        threading.Thread(
            target=lambda: outcomes.update(sync=run(SYNC_FLOOD, mode="warm", connection_id="con_crypto_sync"))
        ),
    ]
    for t in flooders:
        t.start()
    deadline = time.monotonic() + 10  # the Try worker runs at a lower priority: on a busy machine it starts later
    while (jobs := _host_work(socket_path, "try"))["queued"] <= 50 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert jobs["running"] <= jobs["slots"]
    assert jobs["queued"] > 50, jobs  # the flood waits in its own connection's line (at most 64)

    latencies = []
    for _ in range(3):
        started = time.monotonic()
        outcome = run(SMALL, timeout_ms=10_000, mode="warm", connection_id="con_crypto_small")
        latencies.append(time.monotonic() - started)
        assert outcome.status == "ok", outcome.result
    # Queued behind the flood, one small call would wait for ~100 s of hashing.
    assert max(latencies) < 1.5, latencies

    for t in flooders:
        t.join(timeout=60)
    assert outcomes["flood"].status == "ok", outcomes["flood"].result
    assert outcomes["flood"].value["done"] < 20
    assert outcomes["sync"].status == "ok", outcomes["sync"].result
    # The Try run answered, and its ~60 queued jobs went with it: only the ones already on the thread
    # pool finish (a few seconds), not a minute of queued hashing.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        flood, jobs = _host_work(socket_path, "try"), _host_work(socket_path)
        if (flood["running"], flood["queued"], jobs["running"], jobs["queued"]) == (0, 0, 0, 0):
            break
        time.sleep(0.2)
    assert (flood["running"], flood["queued"], jobs["running"], jobs["queued"]) == (0, 0, 0, 0), (flood, jobs)
    assert jobs["connections"]["con_crypto_small"]["jobs"] >= 4  # the work is charged to its connection


# The attack of issue 14: Try runs that each start two of the largest PBKDF2 jobs and answer at once.
HIT_AND_RUN = """function login(e, p, cb) {
  const crypto = require('crypto');
  for (let i = 0; i < 2; i++) crypto.pbkdf2('pw' + i, 'salt', 2000000, 64, 'sha512', () => {});
  cb(null, 'answered');
}"""
# An ordinary login: one PBKDF2 check of the typed password.
ORDINARY_LOGIN = """function login(email, password, cb) {
  require('crypto').pbkdf2(password, 'salt', 10000, 32, 'sha256', (err, key) => cb(err, { user_id: email, k: key && key.length }));
}"""


def test_hit_and_run_pbkdf2_try_runs_do_not_stall_another_connections_logins(one_worker_scriptd):
    socket_path = one_worker_scriptd

    def login():
        started = time.monotonic()
        outcome = scriptd.run_script_collect(
            **LOGIN,
            source=ORDINARY_LOGIN,
            args=["victim@example.com", "pw"],
            mode="warm",
            purpose="login",
            connection_id="con_victim",
            limits=scriptd.Limits(timeout_ms=10_000),
            socket_path=socket_path,
        )
        assert outcome.status == "ok", outcome.result
        return time.monotonic() - started

    def attack(stop):
        while not stop.is_set():
            scriptd.run_script_collect(
                **LOGIN,
                source=HIT_AND_RUN,
                args=["a@b.c", "pw"],
                mode="fresh",
                purpose="try",
                connection_id="con_attacker",
                socket_path=socket_path,
            )

    login()  # warm
    stop = threading.Event()
    attackers = [threading.Thread(target=attack, args=(stop,)) for _ in range(6)]
    for t in attackers:
        t.start()
    try:
        time.sleep(1.0)
        latencies, samples = [], []
        for _ in range(15):
            latencies.append(login())
            samples.append(_host_work(socket_path, "try"))
            time.sleep(0.1)
    finally:
        stop.set()
        for t in attackers:
            t.join(timeout=30)
    # Each attacking job takes seconds of a pool thread; the attacker holds at most its share of them.
    for jobs in samples:
        attacker = jobs["connections"].get("con_attacker", {"running": 0})
        assert attacker["running"] <= jobs["per_connection_running"] < jobs["slots"], jobs
    assert any(jobs["connections"].get("con_attacker", {}).get("jobs", 0) > 0 for jobs in samples)
    # Loose: a login that waited behind the attacker's jobs would take seconds (make bench has the figure).
    assert max(latencies) < 1.5, latencies


def test_pbkdf2_iterations_above_the_sandbox_limit_are_a_clear_range_error(run):
    source = """function login(e, p, cb) {
      const crypto = require('crypto');
      const out = {};
      try { crypto.pbkdf2Sync('pw', 'salt', 2000001, 32, 'sha256'); } catch (err) { out.sync = [err.name, err.code, err.message]; }
      crypto.pbkdf2('pw', 'salt', 5000000, 32, 'sha256', (err) => { out.async = [err.name, err.code]; cb(null, out); });
    }"""
    value = run(source).value
    assert value["sync"][:2] == ["RangeError", "ERR_OUT_OF_RANGE"]
    assert "at most 2000000 PBKDF2 iterations" in value["sync"][2]
    assert value["async"] == ["RangeError", "ERR_OUT_OF_RANGE"]


def test_a_connection_may_queue_only_so_many_crypto_jobs(run):
    source = """function login(e, p, cb) {
      const crypto = require('crypto');
      const errors = [];
      for (let i = 0; i < 80; i++) crypto.pbkdf2('pw', 'salt', 1000000, 32, 'sha256', (err) => { if (err) errors.push(err.code); });
      setTimeout(() => cb(null, { refused: errors.length, codes: [...new Set(errors)] }), 300);
    }"""
    value = run(source, timeout_ms=5000, connection_id="con_queue_cap").value
    # 2 start at once, 64 wait, the rest are refused at once.
    assert value["refused"] >= 80 - 2 - 64, value
    assert value["codes"] == ["ERR_TOO_MANY_PENDING"], value


def test_light_crypto_after_the_answer_still_runs(run):
    # e.g. a driver re-authenticating a pooled connection in the background (SCRAM uses PBKDF2)
    source = """function login(e, p, cb) {
      cb(null, 'answered');
      setTimeout(() => require('crypto').pbkdf2('pw', 'salt', 1000, 32, 'sha256', (err) => { global.late = err ? err.code : 'ran'; }), 10);
    }"""
    assert run(source, mode="warm", connection_id="con_late_crypto").value == "answered"
    time.sleep(0.3)
    late = run("function login(e, p, cb) { cb(null, global.late); }", mode="warm", connection_id="con_late_crypto")
    assert late.value == "ran"
    assert not any("disposed" in line["text"] for line in late.logs)


def test_heavy_crypto_after_the_answer_counts_against_the_idle_budget(run):
    # ~0.5 s of hashing on the host for an isolate allowed ~0.1 s of CPU after its answer.
    source = """function login(e, p, cb) {
      global.marker = 'old';
      cb(null, 'answered');
      setTimeout(() => require('crypto').pbkdf2('pw', 'salt', 300000, 64, 'sha512', () => {}), 10);
    }"""
    assert run(source, mode="warm", connection_id="con_late_hashing").value == "answered"
    time.sleep(2.5)
    after = run(
        "function login(e, p, cb) { cb(null, global.marker || 'new isolate'); }",
        mode="warm",
        connection_id="con_late_hashing",
    )
    assert after.value == "new isolate"
    notices = [line["text"] for line in after.logs if "disposed" in line["text"]]
    assert notices and "of host work (hashing)" in notices[0], after.logs
