"""PBKDF2 runs on libuv's thread pool, shared by every isolate of a worker: one script flooding it
must not make another connection's hashing wait, and its queued work goes when its isolate does."""

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


def _crypto_jobs(socket_path):
    return scriptd.stats(socket_path=socket_path)["workers"][0]["crypto_jobs"]


def test_a_pbkdf2_flood_does_not_delay_another_connection_and_is_dropped_with_its_isolate(one_worker_scriptd):
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
    time.sleep(0.8)
    jobs = _crypto_jobs(socket_path)
    assert jobs["running"] <= jobs["worker_max"]
    assert jobs["queued"] > 50, jobs  # the flood waits in its isolate's own queue

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
    # The Try run answered, its isolate went, and its ~80 queued jobs with it: only the ones already
    # on the thread pool finish (about a second), not ~40 s of queued hashing.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        jobs = _crypto_jobs(socket_path)
        if jobs["running"] == 0 and jobs["queued"] == 0 and jobs["admitted_waiting"] == 0:
            break
        time.sleep(0.2)
    assert (jobs["running"], jobs["queued"], jobs["admitted_waiting"]) == (0, 0, 0), jobs


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
