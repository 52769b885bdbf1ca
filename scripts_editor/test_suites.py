"""Suite runs of the saved test cases (issue 17, section 1), in the background.

A suite run is a row (ScriptTestSuiteRun) with one result row per case. A Celery task advances it in short
steps that never wait: each step judges the Try runs that have finished, requests runs for the cases still
waiting (a few at a time, under the Try caps) and, until every case is judged, enqueues the next step a
moment later. Waiting inside a task would hold the worker the Try runs themselves need (one solo worker in
tests, a few processes in production). The command drives the same steps in its own process.

A worker that dies mid-suite breaks the chain of steps: the beat sweep starts a new chain for a suite whose
steps stopped coming, and ends one past its deadline `error`, keeping the verdicts it had.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from connections_admin.models import Connection

from .exceptions import TryRunsBusy
from .models import ScriptRevision, ScriptTestCase, ScriptTestCaseResult, ScriptTestSuiteRun
from .runs.arguments import run_arguments_join
from .runs.selectors import OUTPUT_HIDDEN
from .runs.services import PUBLISH_RETRY_POLICY, QUEUE_MAX_WAIT, script_run_request
from .saved_tests import script_test_case_judge, script_test_case_secrets
from .selectors import script_revision_blank, script_revision_current

logger = logging.getLogger(__name__)
Status = ScriptTestSuiteRun.Status
Trigger = ScriptTestSuiteRun.Trigger
# How long the task waits between two steps: about a Try run's poll interval.
STEP_S = 0.3
# A suite may wait for the queue as a Try run does, then for every case in turn at worst.
DEADLINE_MARGIN_S = 30
# A suite with no step for this long has lost its task chain: the sweep starts a new one.
STALLED_AFTER = timedelta(seconds=60)


def _parallel() -> int:
    """How many Try runs one suite keeps going at once: two fewer than the Try caps allow, so the person whose
    save started the tests can still Try a script meanwhile."""
    return max(1, min(settings.TRY_RUNS_PER_USER, settings.TRY_RUNS_PER_CONNECTION) - 2)


def _deadline(connection: Connection, cases: int) -> datetime:
    return timezone.now() + QUEUE_MAX_WAIT + timedelta(seconds=DEADLINE_MARGIN_S + connection.script_timeout_s * cases)


@transaction.atomic
def script_test_suite_start(
    *,
    connection: Connection,
    trigger: str,
    by,
    revision_number: int | None = None,
    enqueue: bool = True,
    proposed: bool = False,
) -> ScriptTestSuiteRun:
    """Queue a run of every saved case against revision `revision_number` (default: the newest) and, once
    committed, the task that advances it. ValidationError when the connection has no case or no such
    revision. `enqueue=False` leaves the stepping to the caller (the command, the deploy gate); `proposed`:
    the revision is not stored (an API PATCH's bodies, tested before its save), the caller steps the suite
    with those bodies (script_test_suite_wait)."""
    cases = list(connection.script_test_cases.all())
    if not cases:
        raise ValidationError(f"{connection.name} has no saved test case to run.")
    if revision_number is None:
        revision_number = script_revision_current(connection=connection).number
    elif not proposed and not ScriptRevision.objects.filter(connection=connection, number=revision_number).exists():
        raise ValidationError(f"{connection.name} has no revision {revision_number}.")
    actor = by if by is not None and by.is_authenticated else None
    suite = ScriptTestSuiteRun.objects.create(
        connection=connection,
        revision_number=revision_number,
        trigger=trigger,
        total=len(cases),
        requested_by=actor,
        requested_by_label=actor.get_username() if actor else "system",
        deadline_at=_deadline(connection, len(cases)),
        chain=uuid.uuid4() if enqueue else None,
    )
    ScriptTestCaseResult.objects.bulk_create(
        ScriptTestCaseResult(suite=suite, case=c, name=c.name, script=c.script, expect=c.expect, expected=c.expected)
        for c in cases
    )
    if enqueue:
        transaction.on_commit(partial(_enqueue, suite_id=str(suite.pk), chain=str(suite.chain)))
    return suite


def script_test_suite_start_after_save(*, connection: Connection, revision_number: int, by) -> None:
    """After a save (editor, API, restore, import) commits: test the new revision if there are cases.

    Called from an on_commit callback, so cases the same transaction imported are counted; a failure to
    start is logged, never raised, since the save itself has already succeeded."""
    if not connection.script_test_cases.exists():
        return
    try:
        script_test_suite_start(connection=connection, trigger=Trigger.SAVE, by=by, revision_number=revision_number)
    except Exception:
        logger.exception("tests of %s revision %s not started", connection.pk, revision_number)


def _enqueue(*, suite_id: str, chain: str, countdown: float = 0) -> None:
    from .runs.tasks import script_test_suite_advance_task  # tasks import this module

    try:
        script_test_suite_advance_task.apply_async(
            args=[suite_id, chain], countdown=countdown, retry=True, retry_policy=PUBLISH_RETRY_POLICY
        )
    except Exception as exc:  # any failure to publish: say so on the suite rather than leave it queued
        logger.warning("test suite %s not enqueued: %s", suite_id, exc)
        _end(suite_id, error=f"the background worker's broker is unreachable: {exc}")


def _end(suite_id, *, error: str) -> None:
    """Fail every pending case with `error` and end the suite `error` (used when it cannot go on)."""
    with transaction.atomic():
        suite = ScriptTestSuiteRun.objects.select_for_update().filter(pk=suite_id).first()
        if suite is None or suite.done:
            return
        suite.results.filter(passed__isnull=True).update(passed=False, reason=error)
        _finish(suite, error=error)


def _finish(suite: ScriptTestSuiteRun, *, error: str = "") -> None:
    verdicts = list(suite.results.values_list("passed", flat=True))
    suite.passed = sum(v is True for v in verdicts)
    suite.failed = len(verdicts) - suite.passed
    suite.status = Status.ERROR if error else Status.PASSED if suite.failed == 0 else Status.FAILED
    suite.error = error[:300]
    suite.finished_at = timezone.now()
    suite.save(update_fields=["passed", "failed", "status", "error", "finished_at"])


def _request(result: ScriptTestCaseResult, suite: ScriptTestSuiteRun, revision: ScriptRevision) -> bool:
    """Request the Try run of one case; False when the Try caps are full (try again next step)."""
    case = result.case
    if case is None:
        result.passed, result.reason = False, "the case was deleted before it ran"
        result.save(update_fields=["passed", "reason"])
        return True
    secrets = script_test_case_secrets(case=case)
    try:
        result.run = script_run_request(
            connection=suite.connection,
            script=case.script,
            args=run_arguments_join(redacted=case.arguments, secrets=secrets),
            source=revision.scripts[case.script],  # this revision's text, whichever one is live
            by=suite.requested_by,
        )
    except TryRunsBusy:
        return False
    except ValidationError as e:  # e.g. the script is empty in this revision: this case fails, the others run
        result.passed, result.reason = False, "not run: " + "; ".join(e.messages)
    result.save(update_fields=["run", "passed", "reason"])
    return True


def script_test_suite_advance(
    *, suite_id, chain: str | None = None, now: datetime | None = None, bodies: dict[str, str] | None = None
) -> bool:
    """One step: claim a queued suite, judge finished runs, request runs for waiting cases. Returns whether to
    stop stepping: the suite is done, or `chain` is no longer the suite's (the sweep started another). Never
    waits; a suite past its deadline ends `error` with what it had judged. `bodies`: those of a proposed
    revision, not stored (script_test_suite_start's `proposed`)."""
    now = now or timezone.now()
    with transaction.atomic():
        suite = (
            ScriptTestSuiteRun.objects.select_for_update(of=("self",))
            .select_related("connection", "requested_by")
            .filter(pk=suite_id)
            .first()
        )
        if suite is None or suite.done or (chain is not None and str(suite.chain) != chain):
            return True
        if suite.status == Status.QUEUED:
            suite.status, suite.started_at = Status.RUNNING, now
        suite.stepped_at = now
        suite.save(update_fields=["status", "started_at", "stepped_at"])
        if bodies is not None:
            revision = ScriptRevision(connection=suite.connection, number=suite.revision_number, bodies=bodies)
        elif suite.revision_number == 0:  # nothing saved yet: the blank stubs, as Try runs them
            revision = script_revision_blank(connection=suite.connection)
        else:
            revision = ScriptRevision.objects.filter(connection=suite.connection, number=suite.revision_number).first()
        if revision is None:
            suite.results.filter(passed__isnull=True).update(passed=False, reason="the revision no longer exists")
            _finish(suite, error=f"revision {suite.revision_number} no longer exists")
            return True
        late = now > suite.deadline_at
        caps_full = False
        waiting = list(suite.results.select_related("run", "case").filter(passed__isnull=True))
        in_flight = sum(r.run is not None and not r.run.done for r in waiting)
        for result in waiting:
            if result.run is not None and result.run.done:
                case = ScriptTestCase(expect=result.expect, expected=result.expected)  # as it was when started
                result.passed, result.reason = script_test_case_judge(case=case, run=result.run)
                result.save(update_fields=["passed", "reason"])
            elif result.run_id is None and not late and not caps_full and in_flight < _parallel():
                caps_full = not _request(result, suite, revision)
                in_flight += result.run_id is not None
        pending = suite.results.filter(passed__isnull=True)
        if not pending.exists():
            _finish(suite)
            return True
        if late:
            pending.update(passed=False, reason="did not finish in time: is the Celery worker running?")
            _finish(suite, error="the suite did not finish before its deadline (a worker or scriptd stopped)")
            return True
    return False


def script_test_suite_step_again(*, suite_id: str, chain: str) -> None:
    """Enqueue the next step of an unfinished suite a moment from now (the task's own continuation)."""
    _enqueue(suite_id=suite_id, chain=chain, countdown=STEP_S)


def script_test_suites_sweep(*, now: datetime | None = None) -> int:
    """Look after unfinished suites whose steps stopped coming (a worker died, the broker lost the message, the
    command was killed): end those past their deadline `error`, with the verdicts they had, and give the others
    a new task chain. Returns how many suites it touched."""
    now = now or timezone.now()
    unfinished = ScriptTestSuiteRun.objects.filter(status__in=(Status.QUEUED, Status.RUNNING))
    late = list(unfinished.filter(deadline_at__lt=now).values_list("pk", flat=True))
    for suite_id in late:
        script_test_suite_advance(suite_id=suite_id, now=now)
    stalled = list(
        unfinished.filter(deadline_at__gte=now)
        .filter(Q(stepped_at__lt=now - STALLED_AFTER) | Q(stepped_at__isnull=True, created_at__lt=now - STALLED_AFTER))
        .values_list("pk", flat=True)
    )
    for suite_id in stalled:
        chain = str(uuid.uuid4())
        # The new token stops any old chain still alive at its next step; stepped_at waits for the new one.
        ScriptTestSuiteRun.objects.filter(pk=suite_id).update(chain=chain, stepped_at=now)
        _enqueue(suite_id=str(suite_id), chain=chain)
    return len(late) + len(stalled)


def script_test_suite_wait(
    *, suite: ScriptTestSuiteRun, step_s: float = STEP_S, bodies: dict[str, str] | None = None
) -> ScriptTestSuiteRun:
    """Step a suite started with enqueue=False until it is done, in this process (the command, the gate)."""
    while not script_test_suite_advance(suite_id=suite.pk, bodies=bodies):
        time.sleep(step_s)
    suite.refresh_from_db()
    return suite


def script_test_suite_snapshot(*, suite: ScriptTestSuiteRun, full: bool) -> dict:
    """The suite's state as the page and the API show it: names and verdicts, never an argument. Reasons quote
    what the script answered, so only `full` readers (who may change the connection) get them, as with a run's
    output (runs.selectors.OUTPUT_HIDDEN)."""
    results = list(suite.results.select_related("run"))
    judged = [r for r in results if r.passed is not None]
    return {
        "id": str(suite.pk),
        "revision": suite.revision_number,
        "trigger": suite.trigger,
        "status": suite.status,
        "done": suite.done,
        "total": suite.total,
        "passed": sum(r.passed is True for r in judged),
        "failed": sum(r.passed is False for r in judged),
        "pending": len(results) - len(judged),
        "error": suite.error,
        "output_hidden": None if full else OUTPUT_HIDDEN,
        "requested_by": suite.requested_by_label,
        "created_at": suite.created_at.isoformat(),
        "finished_at": suite.finished_at.isoformat() if suite.finished_at else None,
        "results": [
            {
                "name": r.name,
                "script": r.script,
                "passed": r.passed,
                "reason": r.reason if full else "",
                "run": str(r.run_id) if r.run_id else None,
                "status": r.run.status if r.run else None,
                "duration_ms": r.run.duration_ms if r.run else None,
            }
            for r in results
        ],
    }


def script_test_suites_by_revision(*, connection: Connection, numbers: list[int]) -> dict[int, ScriptTestSuiteRun]:
    """The newest suite run of each of these revisions (History's badges), in one query."""
    latest: dict[int, ScriptTestSuiteRun] = {}
    for suite in ScriptTestSuiteRun.objects.filter(connection=connection, revision_number__in=numbers).order_by(
        "created_at"
    ):
        latest[suite.revision_number] = suite
    return latest
