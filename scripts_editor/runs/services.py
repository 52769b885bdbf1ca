"""Try runs: request (a queued row, enqueued after commit), execute (claim, scriptd, lines, outcome), sweep.

Passwords. The stored arguments carry "********" in place of every password, and a Celery message sits
in the broker (a file or a Redis key), so the raw password may not travel there in the clear either. It
travels Fernet-encrypted (TRICKLE_ENCRYPTION_KEYS, which the broker never sees) inside the task message,
with a time-to-live equal to the longest a run may wait in the queue; the task decrypts it and hands it
to scriptd only. "Run again" therefore has to ask for the password again.
"""

import json
import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from connections_admin import crypto
from connections_admin.models import AuditEvent, Connection
from connections_admin.selectors import configuration_for_run_with_plain_keys
from connections_admin.services import audit_event_record
from scriptd_client import client as scriptd
from scriptd_client import limits
from scriptd_client.masking import Masker
from telemetry.context import request_id_get
from telemetry.metrics import TRY_RUNS_LOST

from ..exceptions import TryRunsBusy
from ..models import ScriptRun, ScriptRunLine
from ..scriptd_request import scriptd_request_build
from ..scripts import BY_KEY
from ..selectors import script_revision_current
from .arguments import run_arguments_clean, run_arguments_join, run_arguments_positional, run_arguments_split
from .selectors import SANDBOX_STATUS

logger = logging.getLogger(__name__)
Status = ScriptRun.Status

# A run nobody took from the queue within this long is failed by the sweep (is a worker running?).
QUEUE_MAX_WAIT = timedelta(minutes=10)
# A `running` row is stale this long after scriptd's own deadline (run limit + its grace) has passed.
DEADLINE_MARGIN_S = 10
# Publishing gives up quickly so the page learns at once that the broker is down.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.3}
# scriptd's result status -> the run's final status (the inverse of selectors.SANDBOX_STATUS).
RESULT_STATUS = {sandbox: status for status, sandbox in SANDBOX_STATUS.items()}


def _problem(name: str, message: str) -> dict[str, Any]:
    return {"name": name, "message": message}


def _finish(
    run_id,
    *,
    status: str,
    from_status: str = Status.RUNNING,
    result: Any = None,
    error: dict | None = None,
    duration_ms: float | None = None,
) -> bool:
    """Store a final outcome, only if the row is still in `from_status` (the sweep may have ended it)."""
    return bool(
        ScriptRun.objects.filter(pk=run_id, status=from_status).update(
            status=status, result=result, error=error, duration_ms=duration_ms, finished_at=timezone.now()
        )
    )


@transaction.atomic
def script_run_request(*, connection: Connection, script: str, args: Any, source: str | None = None, by) -> ScriptRun:
    """Store a queued run of `source` (default: the saved body) and enqueue it once the transaction commits.

    Raises ValidationError for an unknown script, arguments that do not fit it, or an empty or oversized
    source, and TryRunsBusy when the user or the connection has too many runs waiting or running. The
    broker being down is not an error here: the run ends `failed` saying so.
    """
    if script not in BY_KEY:
        raise ValidationError({"script": f"unknown script {script!r}; one of {', '.join(BY_KEY)}."})
    redacted, secrets = run_arguments_split(script=script, args=run_arguments_clean(script=script, args=args))
    current = script_revision_current(connection=connection)
    source = current.scripts[script] if source is None else source
    if not source.strip():
        raise ValidationError({"source": f"The {BY_KEY[script].title} script is empty; write it or load a template."})
    if problem := limits.source_size_problem(source):
        raise ValidationError({"source": problem})
    actor = by if by is not None and by.is_authenticated else None
    _runs_cap_check(connection=connection, actor=actor)
    run = ScriptRun.objects.create(
        connection=connection,
        script=script,
        source=source,
        arguments=redacted,
        revision=current if current.pk and source == current.scripts[script] else None,
        timeout_s=connection.script_timeout_s,
        requested_by=actor,
        requested_by_label=actor.get_username() if actor else "system",
        request_id=request_id_get(),
    )
    audit_event_record(
        connection=connection,
        action=AuditEvent.Action.SCRIPT_TRIED,
        by=by,
        detail={"script": script, "run": str(run.id), "draft": run.revision_id is None},
    )
    secret = crypto.encrypt(json.dumps(secrets)) if secrets else None
    transaction.on_commit(partial(_enqueue, run_id=str(run.id), secret=secret))
    return run


def _runs_cap_check(*, connection: Connection, actor) -> None:
    # The connection's row lock makes simultaneous requests count each other (SQLite serialises writers).
    Connection.objects.select_for_update().filter(pk=connection.pk).first()
    unfinished = ScriptRun.objects.filter(status__in=(Status.QUEUED, Status.RUNNING))
    wait = f"wait for one to finish (about {connection.script_timeout_s} s at most) and try again."
    if actor is not None and unfinished.filter(requested_by=actor).count() >= settings.TRY_RUNS_PER_USER:
        raise TryRunsBusy(
            f"You already have {settings.TRY_RUNS_PER_USER} Try runs waiting or running, the most one person may: "
            + wait,
            retry_after_s=connection.script_timeout_s,
        )
    if unfinished.filter(connection=connection).count() >= settings.TRY_RUNS_PER_CONNECTION:
        raise TryRunsBusy(
            f"{connection.name} already has {settings.TRY_RUNS_PER_CONNECTION} Try runs waiting or running, the most "
            "one connection may: " + wait,
            retry_after_s=connection.script_timeout_s,
        )


def _enqueue(*, run_id: str, secret: str | None) -> None:
    # Our own on_commit callback rather than delay_on_commit: a publish error must end the run here.
    from .tasks import script_run_execute_task  # tasks import this module

    try:
        script_run_execute_task.apply_async(
            args=[run_id], kwargs={"secret": secret}, retry=True, retry_policy=PUBLISH_RETRY_POLICY
        )
    except Exception as exc:  # kombu raises OperationalError, redis its own: any failure to publish
        logger.warning("script run %s not enqueued: %s", run_id, exc)
        _finish(
            run_id,
            status=Status.FAILED,
            from_status=Status.QUEUED,
            error=_problem("BrokerUnavailable", f"the background worker's broker is unreachable: {exc}"),
        )


def _secrets(secret: str | None) -> dict[str, str]:
    if not secret:
        return {}
    token = crypto.fernet().decrypt(secret.encode(), ttl=int(QUEUE_MAX_WAIT.total_seconds()))
    return json.loads(token)


def _line_time(text: str | None) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else timezone.now()
    except ValueError:
        return timezone.now()


def script_run_execute(*, run_id: str, secret: str | None = None) -> None:
    """Claim a queued run, run it in scriptd, append its lines as they arrive and store its outcome.

    A second delivery of the same run finds it claimed and does nothing. scriptd unreachable: `failed`;
    scriptd gone after the run started (killed, restarted): `crashed`. Never leaves the row `running`.
    """
    run = ScriptRun.objects.select_related("connection", "revision").filter(pk=run_id).first()
    now = timezone.now()
    deadline = now + timedelta(seconds=run.timeout_s + scriptd.DEADLINE_GRACE_S + DEADLINE_MARGIN_S) if run else now
    if run is None or not ScriptRun.objects.filter(pk=run_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=now, deadline_at=deadline
    ):
        return
    seq = 0
    started = False
    mask = Masker(())
    try:
        typed = _secrets(secret)
        configuration, plain_keys = configuration_for_run_with_plain_keys(connection=run.connection)
        args = run_arguments_positional(
            script=run.script, args=run_arguments_join(redacted=run.arguments, secrets=typed)
        )
        request = scriptd_request_build(
            connection=run.connection,
            script=run.script,
            source=run.source,
            args=args,
            mode="fresh",
            purpose="try",  # behind logins in scriptd
            revision=run.revision.number if run.revision else None,
            configuration=configuration,
            timeout_s=run.timeout_s,
            run_id=str(run.id),
        )
        # Lines, result and error are stored masked (scriptd_client.masking: the one rule).
        mask = Masker.for_run(
            configuration=configuration,
            plain_keys=plain_keys,
            passwords=BY_KEY[run.script].passwords(args),
        )
        for event in scriptd.run_script(**request):
            started = True
            if event["type"] == "log":
                seq += 1  # one row per line, committed at once, so the page sees it on its next poll
                ScriptRunLine.objects.create(
                    run_id=run.pk,
                    seq=seq,
                    time=_line_time(event.get("time")),
                    level=str(event.get("level", "log"))[:8],
                    text=mask.text(str(event.get("text", ""))),
                )
            else:
                _finish(
                    run.pk,
                    status=RESULT_STATUS.get(event.get("status"), Status.CRASHED),
                    result=mask.value(event.get("value")),
                    error=mask.value(event.get("error")),
                    duration_ms=event.get("ms"),
                )
                return
        _finish(run.pk, status=Status.CRASHED, error=_problem("SandboxError", "scriptd ended the run without a result"))
    except scriptd.ScriptdUnavailable as exc:
        _finish(
            run.pk,
            status=Status.CRASHED if started else Status.FAILED,
            error=_problem("ScriptdUnavailable", f"the sandbox is unavailable: {exc}"),
        )
    except InvalidToken:
        _finish(
            run.pk,
            status=Status.FAILED,
            error=_problem("PasswordExpired", "the password sent with this run expired in the queue; run it again"),
        )
    except SoftTimeLimitExceeded:
        _finish(run.pk, status=Status.CRASHED, error=_problem("WorkerTimeout", "the background task ran out of time"))
    except Exception as exc:
        logger.exception("script run %s failed unexpectedly", run.pk)
        _finish(
            run.pk, status=Status.CRASHED, error=_problem("InternalError", mask.text(f"{type(exc).__name__}: {exc}"))
        )


def script_run_worker_lost(*, run_id: str) -> bool:
    """The Celery pool process running this run died (killed, out of memory): end the run `crashed` at once
    rather than when the sweep finds it past its deadline. Returns whether the run was still running."""
    lost = _finish(
        run_id,
        status=Status.CRASHED,
        error=_problem("WorkerLost", "the background worker running this run died; run it again"),
    )
    if lost:
        TRY_RUNS_LOST.labels("worker_lost").inc()
    return lost


def script_runs_sweep(*, now: datetime | None = None) -> int:
    """Crash `running` rows past their deadline and fail `queued` rows no worker took in time; returns how many."""
    now = now or timezone.now()
    crashed = ScriptRun.objects.filter(status=Status.RUNNING, deadline_at__lt=now).update(
        status=Status.CRASHED,
        finished_at=now,
        error=_problem("RunLost", "the run stopped reporting before its deadline (a worker or scriptd died)"),
    )
    never_taken = ScriptRun.objects.filter(status=Status.QUEUED, created_at__lt=now - QUEUE_MAX_WAIT).update(
        status=Status.FAILED,
        finished_at=now,
        error=_problem(
            "NotPickedUp",
            f"no background worker took the run within {QUEUE_MAX_WAIT.seconds // 60} "
            "minutes; is the Celery worker running?",
        ),
    )
    if crashed:
        TRY_RUNS_LOST.labels("stale").inc(crashed)
    if never_taken:
        TRY_RUNS_LOST.labels("not_picked_up").inc(never_taken)
    return crashed + never_taken
