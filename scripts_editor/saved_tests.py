"""Saved test cases of a connection's scripts (issue 17, section 1), run through the Try machinery.

A case keeps its arguments as a Try run stores them (passwords masked) and the passwords Fernet-encrypted
apart (connections_admin.crypto), so no read, page or export shows them back. Running a suite requests one
Try run per case (ScriptRun, Celery, scriptd: the same isolation and limits as Try) and compares each
outcome with what the case expects: test_suites.py runs them in the background.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from connections_admin import crypto
from connections_admin.models import AuditEvent, Connection
from connections_admin.services import audit_event_record

from .models import ScriptRun, ScriptTestCase
from .runs.arguments import run_arguments_clean, run_arguments_split
from .scripts import SCRIPT_KEYS

Expect = ScriptTestCase.Expect


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


@dataclass(frozen=True)
class CaseFields:
    """A case as checked, ready to store: arguments with passwords masked, the passwords apart."""

    name: str
    script: str
    arguments: dict
    secrets: dict[str, str]  # {argument path: password}
    expect: str
    expected: dict


def script_test_case_clean(*, name: Any, script: Any, args: Any, expect: Any, expected: Any = None) -> CaseFields:
    """ValidationError, on the field at fault, for a bad name, an unknown script, arguments that do not fit
    the script, or a bad expectation."""
    name = (name if isinstance(name, str) else "").strip()
    if not name or len(name) > 128:
        raise ValidationError({"name": "A name of 1 to 128 characters."})
    if script not in SCRIPT_KEYS:
        raise ValidationError({"script": f"One of {', '.join(SCRIPT_KEYS)}."})
    expected = _expected_clean(expect=expect, expected=expected)
    redacted, secrets = run_arguments_split(script=script, args=run_arguments_clean(script=script, args=args))
    return CaseFields(name=name, script=script, arguments=redacted, secrets=secrets, expect=expect, expected=expected)


def script_test_case_secrets(*, case: ScriptTestCase) -> dict[str, str]:
    """The case's passwords by argument path (to run it, or to compare an import with it; never to show)."""
    return json.loads(crypto.decrypt(case.secrets)) if case.secrets else {}


def _stored(fields: CaseFields) -> dict:
    return {
        "script": fields.script,
        "arguments": fields.arguments,
        "secrets": crypto.encrypt(json.dumps(fields.secrets)) if fields.secrets else "",
        "expect": fields.expect,
        "expected": fields.expected,
    }


def script_test_case_create(
    *, connection: Connection, name: str, script: str, args: Any, expect: str, expected: Any = None, by
) -> ScriptTestCase:
    """Save a named case. ValidationError as script_test_case_clean says; a taken name is a ValidationError
    on `name`."""
    fields = script_test_case_clean(name=name, script=script, args=args, expect=expect, expected=expected)
    try:
        with transaction.atomic():
            case = ScriptTestCase.objects.create(connection=connection, name=fields.name, **_stored(fields))
    except IntegrityError:
        raise ValidationError({"name": f"{connection.name} already has a test case named {fields.name!r}."}) from None
    audit_event_record(
        connection=connection,
        action=AuditEvent.Action.CONNECTION_UPDATED,
        by=by,
        detail={"test_case": fields.name, "created": True},
    )
    return case


def script_test_case_differs(*, case: ScriptTestCase, fields: CaseFields) -> bool:
    """Whether storing `fields` would change the case (passwords compared decrypted, never shown)."""
    mine = (case.script, case.arguments, case.expect, case.expected, script_test_case_secrets(case=case))
    return mine != (fields.script, fields.arguments, fields.expect, fields.expected, fields.secrets)


@transaction.atomic
def script_test_cases_sync(*, connection: Connection, cases: list[CaseFields], by) -> None:
    """Make the connection's cases exactly `cases`, matched by name (connections as code): create the new
    ones, rewrite the changed ones in place, delete the ones not listed. Each change is audited."""
    stored = {c.name: c for c in connection.script_test_cases.all()}
    wanted = {f.name: f for f in cases}
    for name, case in stored.items():
        if name not in wanted:
            script_test_case_delete(case=case, by=by)
    for name, fields in wanted.items():
        case = stored.get(name)
        if case is None:
            ScriptTestCase.objects.create(connection=connection, name=name, **_stored(fields))
        elif script_test_case_differs(case=case, fields=fields):
            ScriptTestCase.objects.filter(pk=case.pk).update(**_stored(fields))
        else:
            continue
        audit_event_record(
            connection=connection,
            action=AuditEvent.Action.CONNECTION_UPDATED,
            by=by,
            detail={"test_case": name, "created" if case is None else "changed": True},
        )


def script_test_case_delete(*, case: ScriptTestCase, by) -> None:
    case.delete()
    audit_event_record(
        connection=case.connection,
        action=AuditEvent.Action.CONNECTION_UPDATED,
        by=by,
        detail={"test_case": case.name, "deleted": True},
    )


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
