"""Helpers for the scriptd tests: a `run` function bound to the session's scriptd, and a neighbour
that keeps logging in for another connection while a hostile script misbehaves."""

import threading
import time
from pathlib import Path

import pytest

from scriptd_client import client as scriptd
from scripts_editor.scripts import BY_KEY

pytestmark = pytest.mark.scriptd

LOGIN = BY_KEY["login"].for_scriptd()  # what scriptd is told about the login script

TRIVIAL_LOGIN = "function login(email, password, callback) { callback(null, { user_id: email }); }"


def worker_index(connection_id: str, workers: int = 2) -> int:
    """The worker scriptd routes a connection's warm runs to (FNV-1a, as src/supervisor does)."""
    h = 0x811C9DC5
    for ch in connection_id:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h % workers


def sandboxed_node_pid(host_pid: int) -> int:
    """A worker's node process itself: under bwrap it is the grandchild of the pid the supervisor spawned."""
    pid = host_pid
    for _ in range(3):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if not children:
            break
        pid = int(children[0])
    return pid


@pytest.fixture
def run(scriptd_socket):
    def run(
        source,
        *,
        kind="login",
        args=None,
        timeout_ms=1000,
        memory_mb=64,
        log_lines=1000,
        log_bytes=256 * 1024,
        **kwargs,
    ):
        if args is None:
            args = {
                "login": ["alice@example.com", "pa55word"],
                "create": [{"email": "a@b.c", "password": "pa55word"}],
                "change_password": ["alice@example.com", "n3w-pa55"],
                "change_email": ["a@b.c", "new@b.c", True],
                "delete": ["u1"],
            }.get(kind, ["alice@example.com"])
        limits = scriptd.Limits(timeout_ms=timeout_ms, memory_mb=memory_mb, log_lines=log_lines, log_bytes=log_bytes)
        return scriptd.run_script_collect(
            **BY_KEY[kind].for_scriptd(), source=source, args=args, limits=limits, socket_path=scriptd_socket, **kwargs
        )

    return run


class Neighbour:
    """Another connection logging in over and over (warm) on a background thread."""

    def __init__(self, socket_path: str, connection_id: str):
        self.socket_path = socket_path
        self.connection_id = connection_id
        self.latencies_ms: list[float] = []
        self.failures: list[dict] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _login(self):
        return scriptd.run_script_collect(
            **LOGIN,
            source=TRIVIAL_LOGIN,
            args=["bob@example.com", "pw"],
            mode="warm",
            connection_id=self.connection_id,
            limits=scriptd.Limits(timeout_ms=2000),
            socket_path=self.socket_path,
        )

    def _loop(self):
        while not self._stop.is_set():
            started = time.perf_counter()
            outcome = self._login()
            self.latencies_ms.append((time.perf_counter() - started) * 1000)
            if outcome.status != "ok" or outcome.value != {"user_id": "bob@example.com"}:
                self.failures.append(outcome.result)
            time.sleep(0.005)

    def __enter__(self):
        self._login()  # its isolate is warm before the hostile run starts: only waits caused by it count
        self._thread.start()
        time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        # A hostile run stopped in a few ms still leaves the neighbour enough runs to judge by.
        deadline = time.monotonic() + 5
        while len(self.latencies_ms) < 5 and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        self._stop.set()
        self._thread.join(timeout=10)

    def assert_unharmed(self):
        """Every neighbour run succeeded and none waited for the hostile run. The bound is deliberately
        loose (far below the hostile run's limit, far above a loaded CI machine's jitter): speed itself is
        measured by `make bench`, not asserted here."""
        assert self.failures == []
        assert len(self.latencies_ms) >= 5, "the neighbour barely ran"
        assert max(self.latencies_ms) < 900, f"a neighbour run waited {max(self.latencies_ms):.0f} ms"


@pytest.fixture
def neighbour(scriptd_socket):
    """Factory: `with neighbour(away_from="hostile-conn") as n: ...; n.assert_unharmed()`.

    By default the neighbour shares the hostile connection's worker, the harder case."""

    def make(*, near: str | None = None, away_from: str | None = None):
        for i in range(1000):
            candidate = f"neighbour-{i}"
            if near is not None and worker_index(candidate) != worker_index(near):
                continue
            if away_from is not None and worker_index(candidate) == worker_index(away_from):
                continue
            return Neighbour(scriptd_socket, candidate)
        raise AssertionError("no neighbour connection id found")

    return make
