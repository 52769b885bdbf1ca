"""Work after the answer: a warm isolate has a CPU budget between runs. A busy timer left behind by a
login gets its isolate disposed (and the connection's next run is told why), while light idle timers
and heartbeats keep running in the same isolate."""

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.scriptd

# Answers at once, then keeps a core about 80% busy.
BUSY_AFTER_ANSWER = """function login(e, p, cb) {
  global.marker = 'still here';
  setInterval(() => { const end = Date.now() + 40; while (Date.now() < end) {} }, 50);
  cb(null, 'answered');
}"""
# What drivers leave behind: a pool's idle timer and a periodic heartbeat, both light.
LIGHT_AFTER_ANSWER = """function login(e, p, cb) {
  if (!global.beats) {
    global.beats = 0;
    global.idleClosed = false;
    setInterval(() => { global.beats++; JSON.stringify({ ping: global.beats }); }, 20);
    setTimeout(() => { global.idleClosed = true; }, 600);
  }
  cb(null, { beats: global.beats, idleClosed: global.idleClosed });
}"""


def _run(run, source, connection_id):
    return run(source, mode="warm", connection_id=connection_id, timeout_ms=2000)


def test_a_busy_timer_after_the_answer_gets_its_isolate_disposed_and_reported(run, neighbour):
    with neighbour(near="con_busy_timer") as other:
        assert _run(run, BUSY_AFTER_ANSWER, "con_busy_timer").value == "answered"
        time.sleep(1.5)  # ~1.2 s of CPU at the busy timer's pace; the budget allows about 0.12 s
        after = _run(run, "function login(e, p, cb) { cb(null, global.marker || 'new isolate'); }", "con_busy_timer")
    other.assert_unharmed()
    assert after.value == "new isolate"
    notices = [line["text"] for line in after.logs if "warm isolate of this connection was disposed" in line["text"]]
    assert len(notices) == 1, after.logs
    assert "ms of CPU" in notices[0] and "after its last run answered" in notices[0]
    # Told once: the run after that has no notice.
    again = _run(run, "function login(e, p, cb) { cb(null, 'again'); }", "con_busy_timer")
    assert again.value == "again"
    assert not any("disposed" in line["text"] for line in again.logs)


def test_light_idle_timers_and_heartbeats_keep_running_in_the_same_isolate(run):
    first = _run(run, LIGHT_AFTER_ANSWER, "con_heartbeat")
    assert first.value == {"beats": 0, "idleClosed": False}
    time.sleep(2.0)  # ~100 heartbeats and the idle timer, all between runs
    later = _run(run, LIGHT_AFTER_ANSWER, "con_heartbeat")
    assert later.status == "ok", later.result
    assert later.value["idleClosed"] is True
    assert later.value["beats"] >= 40, later.value  # same isolate: the heartbeats went on
    assert not any("disposed" in line["text"] for line in later.logs)


def test_a_loop_right_after_the_callback_is_stopped_within_the_budget(run):
    source = "function login(e, p, cb) { global.marker = 'old'; cb(null, 'answered'); setTimeout(() => { while (true) {} }, 1); }"
    _assert_stopped_within_the_budget(run, source, "con_idle_loop")


def _assert_stopped_within_the_budget(run, source, connection_id):
    """`source` answers, then spins; a second later (far less than the run's 5 s limit, which used to bound
    such leftover work) the connection's next run finds a new isolate and hears why the old one went."""
    assert run(source, mode="warm", connection_id=connection_id, timeout_ms=5000).value == "answered"
    time.sleep(1.0)
    _next_run_finds_a_new_isolate(run, connection_id, timeout_ms=5000)


def _next_run_finds_a_new_isolate(run, connection_id, **kwargs):
    """The connection's next run gets a new isolate (`global` is empty) and hears why the old one went."""
    after = run(
        "function login(e, p, cb) { cb(null, global.marker || 'new isolate'); }",
        mode="warm",
        connection_id=connection_id,
        **kwargs,
    )
    assert after.status == "ok", after.result
    assert after.value == "new isolate"
    assert any("disposed" in line["text"] for line in after.logs), after.logs
    return after


def test_the_entry_that_answered_is_stopped_within_the_budget_if_it_goes_on(run):
    # The answer goes out from a microtask queued after the script's own first one (runtime.js makeAnswer),
    # so the loop in the script's second microtask runs after the answer, in the same entry: the worker starts
    # watching that entry once it has taken the answer, not 5 s later at the run's limit.
    source = """function login(e, p, cb) {
      global.marker = 'old';
      cb(null, 'answered');
      Promise.resolve().then(() => Promise.resolve().then(() => { while (true) {} }));
    }"""
    _assert_stopped_within_the_budget(run, source, "con_entry_goes_on")


def test_a_run_waiting_for_the_isolate_does_not_get_it_while_the_last_run_s_code_still_runs(run):
    # Both isolates of the connection answer, then go on spinning in the entry that answered. The run
    # waiting in line is given a new isolate once the idle budget has stopped that work; it used to get
    # the spinning isolate at the answer, wait behind the loop and be reported as timed out itself.
    connection = "con_next_run_waits"
    spinning = """function login(e, p, cb) {
      global.marker = 'old';
      setTimeout(() => {
        cb(null, 'answered');
        Promise.resolve().then(() => Promise.resolve().then(() => { while (true) {} }));
      }, 500);
    }"""
    with ThreadPoolExecutor(3) as pool:
        first = [pool.submit(run, spinning, mode="warm", connection_id=connection, timeout_ms=3000) for _ in range(2)]
        time.sleep(0.25)  # both isolates are busy: the next run waits in the connection's line
        started = time.monotonic()
        waiting = pool.submit(_next_run_finds_a_new_isolate, run, connection, timeout_ms=3000)
        assert [f.result().value for f in first] == ["answered", "answered"]
        waiting.result()
        waited = time.monotonic() - started
    assert waited < 2.0, f"the waiting run took {waited:.1f} s: the leftover loop was bounded by the 3 s limit"


def test_a_run_arriving_during_leftover_work_between_runs_waits_for_it_to_be_stopped(run):
    # Work that began between runs (here a socket's connect event, which then spins) holds the isolate when
    # the next run arrives. The run waits until the idle budget stops that work and gets a new isolate; it
    # used to wait behind the loop and be answered "Script execution timed out" for code it never ran.
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        listener.settimeout(10)
        allow = [f"127.0.0.1:{port}"]
        source = f"""function login(e, p, cb) {{
          global.marker = 'old';
          cb(null, 'answered');
          setTimeout(() => {{
            const s = require('net').connect({port}, '127.0.0.1');
            s.on('connect', () => {{ while (true) {{}} }});
          }}, 50);
        }}"""
        connection = "con_leftover_connect"
        assert (
            run(source, mode="warm", connection_id=connection, timeout_ms=3000, egress_allowlist=allow).value
            == "answered"
        )
        accepted, _ = listener.accept()  # the connect event is being delivered: the loop starts about now
        try:
            _next_run_finds_a_new_isolate(run, connection, timeout_ms=3000, egress_allowlist=allow)
        finally:
            accepted.close()


def test_a_run_does_not_wait_long_for_work_that_holds_the_isolate_after_the_answer_without_spinning(run):
    # After its answer the script hashes on the host (five 1 s PBKDF2 calls): its isolate waits rather than
    # computes. That time counts against the idle budget too, so the next run waits only about the budget's
    # burst for it, then gets a new isolate and hears why.
    source = """const crypto = require('crypto');
    function login(e, p, cb) {
      global.marker = 'old';
      cb(null, 'answered');
      Promise.resolve().then(() => Promise.resolve().then(() => {
        for (let i = 0; i < 5; i++) crypto.pbkdf2Sync('pw', 'salt', 2000000, 64, 'sha512');
      }));
    }"""
    connection = "con_held_after_answer"
    assert run(source, mode="warm", connection_id=connection, timeout_ms=10_000).value == "answered"
    started = time.monotonic()
    after = _next_run_finds_a_new_isolate(run, connection, timeout_ms=10_000)
    waited = time.monotonic() - started
    notices = [line["text"] for line in after.logs if "warm isolate of this connection was disposed" in line["text"]]
    assert len(notices) == 1 and "after its last run answered" in notices[0], after.logs
    assert waited < 2.5, f"the next run waited {waited:.1f} s behind the hashing"
