"""A neighbour's logins while another connection attacks scriptd (issue 14), beside the same logins at
rest. The neighbour's login checks a password with PBKDF2 (10,000 iterations), as ordinary legacy
stores do; attacker and neighbour share a worker where routing allows it (Try runs go to the Try workers,
at a lower CPU priority; the same figures follow with `--try-workers 0`, Try runs on the login workers,
for comparison).

Attacks: (a) six Try runs at a time that each start two of the largest PBKDF2 jobs and answer at once;
(b) logins that leave a busy timer behind (each isolate is disposed at its idle CPU budget, and the
attacker logs in again); (c) a burst of Try runs that spin the CPU for 1.5 s each.

Target: the neighbour's p95 under attack <= 2x its p95 at rest.
"""

import statistics
import threading
import time

from bench.scriptd import with_scriptd
from scriptd_client import client as scriptd
from scripts_editor.scripts import BY_KEY

LOGIN = BY_KEY["login"].for_scriptd()  # what scriptd is told about the login script

NEIGHBOUR_LOGIN = """function login(email, password, cb) {
  require('crypto').pbkdf2(password, 'salt', 10000, 32, 'sha256', (err, key) => cb(err, { user_id: email }));
}"""
HIT_AND_RUN = """function login(e, p, cb) {
  const crypto = require('crypto');
  for (let i = 0; i < 2; i++) crypto.pbkdf2('pw' + i, 'salt', 2000000, 64, 'sha512', () => {});
  cb(null, 'answered');
}"""
BUSY_TIMER = """function login(e, p, cb) {
  setInterval(() => { const end = Date.now() + 40; while (Date.now() < end) {} }, 50);
  cb(null, 'answered');
}"""
SPIN = "function login(e, p, cb) { const end = Date.now() + 1500; while (Date.now() < end) {} cb(null, 'spun'); }"


def _worker_of(connection_id: str, workers: int) -> int:
    h = 0x811C9DC5
    for ch in connection_id:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h % workers


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def run() -> None:
    print("  scriptd as started by default (Try workers at nice 5):")
    with_scriptd(_report)
    print("  for comparison, --try-workers 0 (Try runs on the first half of the login workers):")
    with_scriptd(_report, {"try-workers": 0})


def _report(socket_path: str, workers: int) -> None:
    attacker = next(f"bench-attacker-{i}" for i in range(1000) if _worker_of(f"bench-attacker-{i}", workers) == 0)
    neighbour = next(f"bench-neighbour-{i}" for i in range(1000) if _worker_of(f"bench-neighbour-{i}", workers) == 0)

    def login() -> float:
        started = time.perf_counter()
        outcome = scriptd.run_script_collect(
            **LOGIN,
            source=NEIGHBOUR_LOGIN,
            args=["n@example.com", "pa55word"],
            mode="warm",
            purpose="login",
            connection_id=neighbour,
            socket_path=socket_path,
        )
        assert outcome.status == "ok", outcome.result
        return (time.perf_counter() - started) * 1000

    def measure(count: int = 150) -> list[float]:
        login()
        times = []
        for _ in range(count):
            times.append(login())
            time.sleep(0.01)
        return times

    def attack(source: str, *, mode: str, threads: int, pause_s: float = 0.0):
        stop = threading.Event()

        def loop():
            while not stop.is_set():
                scriptd.run_script_collect(
                    **LOGIN,
                    source=source,
                    args=["a@b.c", "pw"],
                    mode=mode,
                    purpose="try" if mode == "fresh" else "login",
                    connection_id=attacker,
                    limits=scriptd.Limits(timeout_ms=10_000),
                    socket_path=socket_path,
                )
                time.sleep(pause_s)

        pool = [threading.Thread(target=loop, daemon=True) for _ in range(threads)]
        for t in pool:
            t.start()
        time.sleep(1.0)  # the attack is under way before measuring
        return stop, pool

    at_rest = measure()
    rest_p95 = _p95(at_rest)
    print(f"  neighbour login (PBKDF2 10k, warm), {workers} workers; attacker on the same worker where routing allows")
    print(f"  {'at rest':<44} p50 {statistics.median(at_rest):7.2f} ms   p95 {rest_p95:7.2f} ms")
    attacks = [
        ("(a) hit-and-run PBKDF2 Try runs (6 at a time)", HIT_AND_RUN, "fresh", 6, 0.0),
        ("(b) logins leaving a busy timer", BUSY_TIMER, "warm", 1, 0.3),
        ("(c) Try burst spinning the CPU (12 at a time)", SPIN, "fresh", 12, 0.0),
    ]
    for label, source, mode, threads, pause_s in attacks:
        stop, pool = attack(source, mode=mode, threads=threads, pause_s=pause_s)
        try:
            times = measure()
        finally:
            stop.set()
            for t in pool:
                t.join(timeout=30)
        p95 = _p95(times)
        verdict = "ok" if p95 <= 2 * rest_p95 else "ABOVE TARGET"
        print(
            f"  {label:<44} p50 {statistics.median(times):7.2f} ms   p95 {p95:7.2f} ms   "
            f"{p95 / rest_p95:4.1f}x at rest ({verdict}, target <= 2x)"
        )
        time.sleep(3.0)  # the attack's last jobs finish before the next measurement
