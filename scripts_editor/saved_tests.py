"""Saved test cases of a connection's scripts (issue 17, section 1), run through the Try machinery.

A case keeps its arguments as a Try run stores them (passwords masked) and the passwords Fernet-encrypted
apart (connections_admin.crypto), so no read, page or export shows them back. Running a suite requests one
Try run per case (ScriptRun, Celery, scriptd: the same isolation and limits as Try), waits for them and
compares each outcome with what the case expects.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from connections_admin import crypto
from connections_admin.models import AuditEvent, Connection
from connections_admin.services import audit_event_record

from .exceptions import TryRunsBusy
from .models import ScriptRevision, ScriptRun, ScriptTestCase
from .runs.arguments import run_arguments_clean, run_arguments_join, run_arguments_split
from .runs.services import QUEUE_MAX_WAIT, script_run_request

Expect = ScriptTestCase.Expect
POLL_S = 0.2


def _expected_clean(*, expect: str, expected: Any) -> dict:
    if expect not in Expect.values:
        raise ValidationError({"expect": f"One of {', '.join(Expect.values)}."})
    expected = expected or {}
    if not isinstance(expected, dict):
        raise ValidationError({"expected": "An object."})
    if expect == Expect.PROFILE and not expected:
        raise ValidationError({"expected": 'The fields and values the profile must contain, e.g. {"email": ...}.'})
    key = {Expect.VALIDATION_ERROR: "code", Expect.ERROR: "name"}.get(expect)
    if key and (not isinstance(expected.get(key), str) or not expected[key].strip()):
        raise ValidationError({"expected": f'{{"{key}": "..."}}: the {key} the error must have.'})
    return expected


def script_test_case_create(
    *, connection: Connection, name: str, script: str, args: Any, expect: str, expected: Any = None, by
) -> ScriptTestCase:
    """Save a named case. ValidationError for a bad name, arguments that do not fit the script, or a bad
    expectation; a taken name is a ValidationError on `name`."""
    name = (name or "").strip()
    if not name or len(name) > 128:
        raise ValidationError({"name": "A name of 1 to 128 characters."})
    expected = _expected_clean(expect=expect, expected=expected)
    redacted, secrets = run_arguments_split(script=script, args=run_arguments_clean(script=script, args=args))
    try:
        with transaction.atomic():
            case = ScriptTestCase.objects.create(
                connection=connection,
                name=name,
                script=script,
                arguments=redacted,
                secrets=crypto.encrypt(json.dumps(secrets)) if secrets else "",
                expect=expect,
                expected=expected,
            )
    except IntegrityError:
        raise ValidationError({"name": f"{connection.name} already has a test case named {name!r}."}) from None
    audit_event_record(
        connection=connection,
        action=AuditEvent.Action.CONNECTION_UPDATED,
        by=by,
        detail={"test_case": name, "created": True},
    )
    return case


def script_test_case_delete(*, case: ScriptTestCase, by) -> None:
    case.delete()
    audit_event_record(
        connection=case.connection,
        action=AuditEvent.Action.CONNECTION_UPDATED,
        by=by,
        detail={"test_case": case.name, "deleted": True},
    )


@dataclass
class CaseResult:
    case: ScriptTestCase
    run: ScriptRun
    passed: bool
    reason: str  # why it failed, or what it saw when it passed

    @property
    def run_id(self) -> str | None:
        """The Try run's id; None when the case could not be run (its page does not exist)."""
        return None if self.run._state.adding else str(self.run.pk)

    def as_dict(self) -> dict:
        return {
            "name": self.case.name,
            "script": self.case.script,
            "passed": self.passed,
            "reason": self.reason,
            "run": self.run_id,
            "status": self.run.status,
            "duration_ms": self.run.duration_ms,
        }


def script_test_case_judge(*, case: ScriptTestCase, run: ScriptRun) -> tuple[bool, str]:
    """Whether a finished run is what the case expects, and a sentence saying what it saw."""
    error = run.error or {}
    name, code = error.get("name", ""), error.get("code", "")
    seen = {
        ScriptRun.Status.SUCCEEDED: f"answered {json.dumps(run.result)[:200]}",
        ScriptRun.Status.FAILED: f"failed with {name or 'an error'}: {error.get('message', '')}".strip(),
        ScriptRun.Status.TIMED_OUT: "timed out",
        ScriptRun.Status.CRASHED: f"crashed: {error.get('message', '')}".strip(),
    }.get(run.status, f"ended {run.status}")
    ok = run.status == ScriptRun.Status.SUCCEEDED
    expected = case.expected
    if case.expect == Expect.PROFILE:
        if not ok or not isinstance(run.result, dict):
            return False, f"expected a profile; the script {seen}"
        wrong = {k: run.result.get(k) for k, v in expected.items() if run.result.get(k) != v}
        if wrong:
            return False, "the profile differs: " + ", ".join(
                f"{k} is {json.dumps(v)}, expected {json.dumps(expected[k])}" for k, v in wrong.items()
            )
        return True, seen
    if case.expect == Expect.NOT_FOUND:
        return (ok and run.result is None), seen if ok and run.result is None else f"expected null; the script {seen}"
    wanted = {
        Expect.WRONG_PASSWORD: ("WrongUsernameOrPasswordError", None),
        Expect.VALIDATION_ERROR: ("ValidationError", expected.get("code")),
        Expect.ERROR: (expected.get("name"), None),
    }[case.expect]
    passed = run.status == ScriptRun.Status.FAILED and name == wanted[0] and (wanted[1] is None or code == wanted[1])
    label = wanted[0] + (f" with code {wanted[1]!r}" if wanted[1] else "")
    return passed, seen if passed else f"expected {label}; the script {seen}"


def script_test_cases_run(
    *,
    connection: Connection,
    by,
    cases: list[ScriptTestCase] | None = None,
    wait_s: float | None = None,
    revision: ScriptRevision | None = None,
) -> list[CaseResult]:
    """Run every case (or `cases`) as Try runs of the current scripts (or of `revision`'s, e.g. a revision
    about to be deployed), as many at once as the Try caps allow, and judge them. A run still unfinished
    after `wait_s` (default: the queue's limit plus the script's) fails its case saying so."""
    cases = list(cases if cases is not None else connection.script_test_cases.all())
    deadline = time.monotonic() + (wait_s or QUEUE_MAX_WAIT.total_seconds() + connection.script_timeout_s)
    waiting = list(cases)
    runs: dict[int, ScriptRun] = {}
    while waiting or any(not r.done for r in runs.values()):
        while waiting:
            case = waiting[0]
            secrets = json.loads(crypto.decrypt(case.secrets)) if case.secrets else {}
            try:
                runs[case.pk] = script_run_request(
                    connection=connection,
                    script=case.script,
                    args=run_arguments_join(redacted=case.arguments, secrets=secrets),
                    source=revision.scripts[case.script] if revision is not None else None,
                    by=by,
                )
            except TryRunsBusy:
                break  # the caps are full: wait for some of ours to finish
            except ValidationError as e:  # e.g. the script is now empty: the case fails, the others run
                runs[case.pk] = ScriptRun(
                    connection=connection,
                    script=case.script,
                    status=ScriptRun.Status.FAILED,
                    error={"name": "NotRun", "message": "; ".join(m for ms in e.message_dict.values() for m in ms)},
                )
            waiting.pop(0)
        if time.monotonic() > deadline:
            break
        time.sleep(POLL_S)
        for run in runs.values():
            if run.pk and not run.done:
                run.refresh_from_db()
    results = []
    for case in cases:
        run = runs.get(case.pk)
        if run is None or not run.done:
            results.append(
                CaseResult(
                    case=case,
                    run=run or ScriptRun(connection=connection, script=case.script),
                    passed=False,
                    reason="did not finish in time: is the Celery worker running?",
                )
            )
        else:
            passed, reason = script_test_case_judge(case=case, run=run)
            results.append(CaseResult(case=case, run=run, passed=passed, reason=reason))
    return results
