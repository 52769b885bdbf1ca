"""Module catalog figures: the first require of the biggest catalog packages (mongodb, aws-sdk v2, the
v3 Cognito client) timed inside the isolate, in a fresh isolate and in a new warm one (the worker
compiles each bundle once and keeps V8's code cache, so only the first isolate of a worker parses it),
and each worker's idle RSS with the catalog installed but nothing loaded (target <= 80 MB).
"""

import statistics
import time

from bench.scriptd import LOGIN, with_scriptd
from scriptd_client import client as scriptd

PACKAGES = ["mongodb", "aws-sdk", "@aws-sdk/client-cognito-identity-provider"]
RUNS = 10


def run() -> None:
    with_scriptd(_report)


def _report(socket_path: str, workers: int) -> None:
    time.sleep(1)  # let the workers settle before measuring idle memory
    for worker in scriptd.stats(socket_path=socket_path)["workers"]:
        print(f"  worker {worker['index']}: idle RSS {worker['rss_mb']:.1f} MB (catalog installed, nothing loaded)")

    def first_require(name: str, mode: str, connection: str | None) -> float:
        source = f"function login(e, p, cb) {{ const t = Date.now(); require({name!r}); cb(null, Date.now() - t); }}"
        outcome = scriptd.run_script_collect(
            **LOGIN,
            source=source,
            args=["a", "b"],
            mode=mode,
            connection_id=connection,
            limits=scriptd.Limits(timeout_ms=30000, memory_mb=256, log_lines=10, log_bytes=4096),
            socket_path=socket_path,
        )
        assert outcome.status == "ok", outcome.result
        return float(outcome.value)

    for name in PACKAGES:
        # The very first require in each worker also compiles the bundle and makes its code cache.
        cold = [first_require(name, "fresh", None) for _ in range(workers)]
        fresh = [first_require(name, "fresh", None) for _ in range(RUNS)]
        warm = [first_require(name, "warm", f"bench-catalog-{name}-{i}") for i in range(RUNS)]
        print(
            f"  first require({name!r}): worker's first {max(cold):.0f} ms; then fresh isolate p50 "
            f"{statistics.median(fresh):.0f} ms, new warm isolate p50 {statistics.median(warm):.0f} ms"
        )
    after = scriptd.stats(socket_path=socket_path)
    for worker in after["workers"]:
        print(f"  worker {worker['index']}: RSS {worker['rss_mb']:.1f} MB after these runs")
