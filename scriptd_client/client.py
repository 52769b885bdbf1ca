"""Client of scriptd, the sandbox service that runs action scripts (sandbox/, Node + isolated-vm).

The only place in Django that knows scriptd exists. One call, `run_script`, sends a run and yields
its events as the service sends them (line-delimited JSON over a Unix socket):

    {"type": "started"}   (an isolate begins a run that had to wait first; consumed here, not yielded)
    {"type": "log", "level": "log|info|warn|error", "text": "...", "time": "2026-...Z"}
    {"type": "result", "status": "ok", "value": ..., "ms": 1.2}
    {"type": "result", "status": "error|timeout|crash", "error": {"name", "message", "code",
        "description", "user_id", "statusCode", "stack"}, "ms": 1.2}

Each thread keeps one idle connection per socket and reconnects when scriptd has restarted. Events carry
the script's output as it produced it: mask it with `scriptd_client.masking` before storing or showing it.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from scriptd_client.node import SANDBOX_DIR, scriptd_node
from telemetry.context import request_id_get
from telemetry.metrics import SCRIPT_RUNS, SCRIPTD_LATENCY

from . import limits

logger = logging.getLogger(__name__)
START_HINT = "start it with `python manage.py scriptd` (or `make run`)"

DEADLINE_GRACE_S = limits.DEADLINE_GRACE_S
# What a run is for: logins (an end user waits) go before Try runs wherever they compete in scriptd.
PURPOSES = ("login", "try")


class ScriptdUnavailable(Exception):
    """scriptd is not running, or did not answer in time."""


@dataclass(frozen=True)
class Limits:
    """Sent with every run: scriptd applies them and keeps no rules of its own (see limits.py)."""

    timeout_ms: int = field(default_factory=lambda: limits.timeout_default_s() * 1000)
    memory_mb: int = field(default_factory=limits.memory_mb)
    log_lines: int = 1000
    log_bytes: int = 256 * 1024


@dataclass
class RunOutcome:
    """A finished run: its result event and the log events before it."""

    result: dict[str, Any]
    logs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.result["status"]

    @property
    def value(self) -> Any:
        return self.result.get("value")

    @property
    def error(self) -> dict[str, Any]:
        return self.result.get("error") or {}


def default_socket_path() -> str:
    from django.conf import settings

    return str(settings.SCRIPTD_SOCKET)


def _connect(socket_path: str, timeout_s: float) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout_s)
    try:
        sock.connect(socket_path)
    except (TimeoutError, FileNotFoundError, ConnectionRefusedError) as exc:
        sock.close()
        raise ScriptdUnavailable(f"scriptd is not running at {socket_path}: {START_HINT}") from exc
    return sock


class _Connections(threading.local):
    """One idle connection per thread and socket path, reused by the next call (saves a connect)."""

    def __init__(self):
        self.idle: dict[str, socket.socket] = {}
        self.pid = os.getpid()

    def take(self, path: str) -> socket.socket | None:
        if self.pid != os.getpid():  # a forked child (e.g. a Celery worker) must not share its parent's socket
            self.idle, self.pid = {}, os.getpid()
        return self.idle.pop(path, None)

    def give_back(self, path: str, sock: socket.socket) -> None:
        old = self.idle.pop(path, None)
        if old is not None:
            old.close()
        self.idle[path] = sock


_connections = _Connections()


def _exchange(
    request: dict[str, Any],
    *,
    socket_path: str | None,
    deadline_s: float,
    is_last: Callable[[dict[str, Any]], bool],
    restarts_deadline: Callable[[dict[str, Any]], bool] = lambda e: False,
) -> Iterator[dict[str, Any]]:
    """Send one request and yield reply lines up to the one `is_last` accepts, within the deadline.

    A reply that `restarts_deadline` accepts gives the rest of the exchange `deadline_s` again.

    A reused connection that turns out closed (scriptd restarted) is replaced once, before any
    reply: the request never reached the old scriptd, so sending it again is safe."""
    path = socket_path or default_socket_path()
    deadline = time.monotonic() + deadline_s
    line = json.dumps(request).encode() + b"\n"
    sock = _connections.take(path)
    reused = sock is not None
    if sock is None:
        sock = _connect(path, deadline_s)
    finished = False
    try:
        try:
            sock.sendall(line)
        except OSError:
            if not reused:
                raise
            sock.close()
            sock, reused = _connect(path, deadline_s), False
            sock.sendall(line)
        buffered = b""
        replied = False
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ScriptdUnavailable(f"scriptd did not answer within {deadline_s:.1f} s: {START_HINT}")
            sock.settimeout(remaining)
            try:
                chunk = sock.recv(65536)
            except TimeoutError as exc:
                raise ScriptdUnavailable(f"scriptd did not answer within {deadline_s:.1f} s: {START_HINT}") from exc
            except OSError as exc:
                chunk = b""
                if replied or not reused:
                    raise ScriptdUnavailable(f"scriptd closed the connection ({exc}): {START_HINT}") from exc
            if not chunk:
                if reused and not replied:
                    sock.close()
                    sock, reused = _connect(path, deadline_s), False
                    sock.sendall(line)
                    continue
                raise ScriptdUnavailable(f"scriptd closed the connection before answering: {START_HINT}")
            buffered += chunk
            *lines, buffered = buffered.split(b"\n")
            for raw in lines:
                if raw.strip():
                    replied = True
                    event = json.loads(raw)
                    if restarts_deadline(event):
                        deadline = time.monotonic() + deadline_s
                    last = is_last(event)
                    if last:
                        finished = not buffered
                    yield event
                    if last:
                        return
    finally:
        if finished:
            _connections.give_back(path, sock)
        else:
            sock.close()


def run_script(
    *,
    kind: str,
    function_names: Sequence[str],
    source: str,
    args: list[Any],
    mode: str = "fresh",
    connection_id: str | None = None,
    revision: str | int | None = None,
    configuration: dict[str, str] | None = None,
    enable_script_context: bool = False,
    legacy_globals: bool = True,
    context: dict[str, Any] | None = None,
    limits: Limits | None = None,
    run_id: str | None = None,
    socket_path: str | None = None,
    egress_allowlist: Iterable[str] = (),
    purpose: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Run one action script in scriptd and yield its `log` events, then its one `result` event.

    scriptd knows no script kinds of its own: the caller says which function names to look for, in order
    (`function_names`); the app's ScriptSpec is their source. The events are the script's output as it
    produced it: mask them (scriptd_client.masking) before storing or showing them.
    `mode` is "fresh" (a new isolate, for Try) or "warm" (the connection's reused isolate: `global`
    persists; needs `connection_id`). `egress_allowlist` is the connection's "host:port" entries, the
    only places its scripts' database and HTTP clients may reach (scriptd enforces it). `purpose` is
    "login" (an end user waits: scriptd serves it first) or "try" (a Try run); by default warm runs are
    logins and fresh runs Try runs. Raises
    ScriptdUnavailable when scriptd is not running or does not answer within the run's time limit
    plus a margin. `limits` defaults to the deployment's (read per call, not when this module loads).
    """
    limits = limits or Limits()
    if not function_names:
        raise ValueError(f"no function names for the {kind!r} script")
    if purpose is None:
        purpose = "login" if mode == "warm" else "try"
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {', '.join(PURPOSES)}")
    request_id = request_id_get()
    # scriptd's own log lines name the run id: a login's carries the request id, a Try run's is the ScriptRun
    # row, which stores the request id.
    run_id = run_id or (f"{request_id}.{uuid.uuid4().hex[:8]}" if request_id else uuid.uuid4().hex)
    request = {
        "type": "run",
        "id": run_id,
        "request_id": request_id,
        "connection": connection_id,
        "revision": None if revision is None else str(revision),
        "kind": kind,
        "function_names": list(function_names),
        "source": source,
        "args": list(args),
        "configuration": configuration or {},
        "options": {
            "enable_script_context": enable_script_context,
            "legacy_globals": legacy_globals,
            "egress_allowlist": [str(entry) for entry in egress_allowlist],
        },
        "context": context or {},
        "limits": limits.__dict__,
        "mode": mode,
        "purpose": purpose,
    }
    # Until `started` (sent only for a run that waited): the wait for an isolate (scriptd ends it at the
    # limit); after it, the run itself.
    deadline_s = limits.timeout_ms / 1000 + DEADLINE_GRACE_S
    sent = time.perf_counter()
    try:
        for event in _exchange(
            request,
            socket_path=socket_path,
            deadline_s=deadline_s,
            is_last=lambda e: e.get("type") in ("result", "error"),
            restarts_deadline=lambda e: e.get("type") == "started",
        ):
            if event.get("type") == "error":  # the request itself was refused
                raise ValueError(f"scriptd refused the request: {event.get('message')}")
            if event.get("type") == "result":
                _observed(kind=kind, mode=mode, run_id=run_id, outcome=str(event.get("status")), sent=sent)
            if event.get("type") in ("log", "result"):  # `started` and any future event type stay here
                yield event
    except ScriptdUnavailable:
        _observed(kind=kind, mode=mode, run_id=run_id, outcome="unavailable", sent=sent)
        raise


def _observed(*, kind: str, mode: str, run_id: str, outcome: str, sent: float) -> None:
    elapsed = time.perf_counter() - sent
    SCRIPT_RUNS.labels(kind, outcome, mode).inc()
    SCRIPTD_LATENCY.labels(mode).observe(elapsed)
    # Try runs and failures at INFO; a login's successful run at DEBUG (one a login would flood the logs).
    logger.log(
        logging.INFO if mode == "fresh" or outcome != "ok" else logging.DEBUG,
        "scriptd run %s: %s %s in %.1f ms",
        run_id,
        kind,
        outcome,
        elapsed * 1000,
        extra={"run_id": run_id, "script": kind, "outcome": outcome, "mode": mode},
    )


def run_script_collect(**kwargs: Any) -> RunOutcome:
    """`run_script`, gathered: the result and the log lines before it."""
    logs: list[dict[str, Any]] = []
    for event in run_script(**kwargs):
        if event["type"] == "log":
            logs.append(event)
        else:
            return RunOutcome(result=event, logs=logs)
    raise ScriptdUnavailable(f"scriptd ended the run without a result: {START_HINT}")


def _ask(kind: str, *, socket_path: str | None, timeout_s: float) -> dict[str, Any]:
    for event in _exchange(
        {"type": kind, "id": kind}, socket_path=socket_path, deadline_s=timeout_s, is_last=lambda e: True
    ):
        return event
    raise ScriptdUnavailable(f"scriptd did not answer: {START_HINT}")


def ping(*, socket_path: str | None = None, timeout_s: float = 2.0) -> dict[str, Any]:
    """Cheap health check: `{"type": "pong", "confined": bool, "memory_ceiling": {kind, mechanism, mb, note},
    "workers": [{index, role, pid, alive, inflight, restarts}]}` (role: login or try)."""
    return _ask("ping", socket_path=socket_path, timeout_s=timeout_s)


def stats(*, socket_path: str | None = None, timeout_s: float = 5.0) -> dict[str, Any]:
    """Per-worker figures reported by the workers themselves (role, priority, rss_mb, uid, isolates), and the
    memory ceiling's mechanism."""
    return _ask("stats", socket_path=socket_path, timeout_s=timeout_s)


def scriptd_command(
    *,
    socket_path: str,
    workers: int | None = None,
    worker_options: dict[str, int] | None = None,
    allow_unconfined: bool = True,
    include_pending: bool = False,
) -> tuple[list[str], dict[str, str]]:
    """The argv and the (empty) environment that start scriptd; no Django secret is passed on.
    The operator's added packages come from settings.SANDBOX_MODULES_DIR; `include_pending`: serve additions still being checked too (only `sandbox_modules add` does)."""
    from django.conf import settings

    argv = [scriptd_node(), str(SANDBOX_DIR / "src" / "scriptd.js"), "--socket", socket_path]
    argv += ["--extra-modules", str(settings.SANDBOX_MODULES_DIR)]
    if include_pending:
        argv.append("--include-pending")
    if settings.SCRIPTD_EXTRA_CA_FILE:
        argv += ["--extra-ca-file", settings.SCRIPTD_EXTRA_CA_FILE]
    # Spare isolates for Try runs are prepared with the heap size runs will ask for.
    worker_options = {"spare-memory-mb": limits.memory_mb(), **(worker_options or {})}
    if workers:
        argv += ["--workers", str(workers)]
    if allow_unconfined:
        argv.append("--allow-unconfined")
    for name, value in worker_options.items():
        argv += [f"--{name}", str(value)]
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": os.environ.get("LANG", "C.UTF-8")}
    return argv, env
