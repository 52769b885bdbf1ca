"""Where shadow runs execute: off the request path, after the real answer was given (issue 17, section 3).

A small thread pool in the web process, not a Celery task, because:
- the job holds the call's arguments, the password among them: in process memory they never reach the
  broker, the database or a log (a Celery message would carry the password in clear or need its own key);
- nothing waits in a queue behind Try runs and imports, and there is no broker round trip per login;
- the pool is bounded (SHADOW_WORKERS threads, SHADOW_QUEUE_MAX jobs waiting): past that a job is dropped
  and counted, so a slow or hanging draft can never hold memory, threads or the real calls up.
Within a request, jobs wait until Django has sent the response (request_finished); elsewhere (management
commands, tasks) they start when the flow has recorded its outcome. scriptd runs them with purpose "try",
which it serves after logins and on at most half of its workers, so drafts never crowd out real logins.
A process that stops drops the jobs it still held: a shadow run is a sample, never owed.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connections

from scriptd_client import client as scriptd
from scripts_editor.scriptd_request import scriptd_request_build
from telemetry.metrics import SHADOW_RUNS

from . import shadow

logger = logging.getLogger(__name__)

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_idle = threading.Condition()
_held = 0  # jobs submitted and not finished
# The jobs of the request being served in this thread (None outside a request): sent after its response.
_deferred: contextvars.ContextVar[list[shadow.ShadowJob] | None] = contextvars.ContextVar(
    "shadow_deferred", default=None
)


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=settings.SHADOW_WORKERS, thread_name_prefix="shadow")
        return _pool


def shadow_dispatch(jobs: list[shadow.ShadowJob]) -> None:
    """Hand a flow's calls to repeat over: after the response within a request, at once otherwise."""
    pending = _deferred.get()
    if pending is not None:
        pending.extend(jobs)
        return
    for job in jobs:
        _submit(job)


def _submit(job: shadow.ShadowJob) -> None:
    global _held
    with _idle:
        if _held >= settings.SHADOW_QUEUE_MAX:
            SHADOW_RUNS.labels("dropped").inc()
            return
        _held += 1
    _executor().submit(_run, job)


def _run(job: shadow.ShadowJob) -> None:
    global _held
    try:
        if shadow.shadow_claim(job=job):
            _compare(job)
    except Exception:  # a shadow run must never surface anywhere but its own record and this log
        logger.exception("shadow run of %s on connection %s failed", job.key, job.connection.pk)
        SHADOW_RUNS.labels("failed").inc()
    finally:
        connections.close_all()  # this thread's own connections: a pool thread must not hold one for ever
        with _idle:
            _held -= 1
            _idle.notify_all()


def _compare(job: shadow.ShadowJob) -> None:
    """Run the draft's script with the real call's arguments in scriptd, then record the comparison."""
    c = job.connection
    try:
        outcome = scriptd.run_script_collect(
            **scriptd_request_build(
                connection=c,
                script=job.key,
                source=job.active.bodies.get(job.key, ""),
                args=job.args,
                mode="warm",  # the draft's own warm isolate (keyed by its revision), never the live one's
                purpose="try",  # scriptd serves real logins first and gives drafts at most half its workers
                revision=job.active.revision_number,
                configuration=job.configuration,
            )
        )
        status, value, error, logs = outcome.status, outcome.value, outcome.error, outcome.logs
        ms = outcome.result.get("ms")
    except scriptd.ScriptdUnavailable as e:
        status, value, error, logs, ms = "unavailable", None, {"message": str(e)}, [], None
    comparison = shadow.shadow_comparison_record(job=job, status=status, value=value, error=error, logs=logs, ms=ms)
    SHADOW_RUNS.labels("agreed" if comparison.agree else "differed").inc()


def shadow_drain(timeout_s: float = 60.0) -> bool:
    """Wait until every submitted shadow run has finished (tests, benchmarks, a clean shutdown)."""
    with _idle:
        return _idle.wait_for(lambda: _held == 0, timeout=timeout_s)


def shadow_request_started(**kwargs) -> None:
    """A request begins in this thread: its flows' shadow runs wait for its response."""
    _deferred.set([])


def shadow_request_finished(**kwargs) -> None:
    """The response has been sent: hand the request's shadow runs to the pool."""
    jobs = _deferred.get()
    _deferred.set(None)
    for job in jobs or ():
        _submit(job)


request_started.connect(shadow_request_started, dispatch_uid="identity.shadow_runs.started")
request_finished.connect(shadow_request_finished, dispatch_uid="identity.shadow_runs.finished")
