"""Which revision serves logins: live saves, drafts, deploys and rollbacks, canaries (issue 17, sections 2, 4).

The live revision is ScriptDeployment.live_number (selectors.script_revision_live). It moves
- on a live save (services.scripts_save without draft=True): to the new revision;
- on a deploy (revision_deploy): to any stored revision; deploying an older one is a rollback;
- on a canary's promotion (canary_promote), which is a deploy of the canary's revision.
Each move is a conditional UPDATE on the version the caller read, so simultaneous deploys cannot silently
overwrite each other (DeployConflict), and each is audited with who did it.

When the connection requires it, a revision's saved test cases must pass before it goes live
(suite_check: the one boundary to scripts_editor.saved_tests).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from connections_admin.models import AuditEvent, Connection
from connections_admin.services import audit_event_record, connection_touch

from .exceptions import DeployConflict, TestsFailed
from .models import ScriptCanary, ScriptDeployment, ScriptRevision
from .selectors import script_canary_running, script_deployment, script_revision_get

Canary = ScriptCanary.State


def _label(by: AbstractBaseUser | None) -> str:
    return by.get_username() if by is not None and by.is_authenticated else "system"


def _row(connection: Connection) -> ScriptDeployment:
    """The stored deployment row, created from what is live now when the connection has none yet."""
    seen = script_deployment(connection=connection)
    if seen.pk is not None and not seen._state.adding:
        return seen
    try:
        with transaction.atomic():
            return ScriptDeployment.objects.create(connection_id=connection.pk, live_number=seen.live_number)
    except IntegrityError:  # created by a simultaneous save or deploy
        return ScriptDeployment.objects.get(connection_id=connection.pk)


def _move(*, connection: Connection, seen: ScriptDeployment, **changes) -> None:
    """Apply `changes` to the deployment row only if it is still as `seen`; else DeployConflict."""
    moved = ScriptDeployment.objects.filter(
        connection_id=connection.pk, live_number=seen.live_number, version=seen.version
    ).update(version=F("version") + 1, updated_at=timezone.now(), **changes)
    if not moved:
        now = script_deployment(connection=connection)
        raise DeployConflict(live_number=now.live_number, version=now.version)


def _canary_end(*, connection: Connection, state: str, by: AbstractBaseUser | None, reason: str) -> ScriptCanary | None:
    """End the running canary, if any (conditionally: an automatic rollback may be ending it too)."""
    canary = script_canary_running(connection=connection)
    if canary is None:
        return None
    ended = ScriptCanary.objects.filter(pk=canary.pk, state=Canary.RUNNING).update(
        state=state, ended_at=timezone.now(), ended_by_label=_label(by), reason=reason[:300]
    )
    return canary if ended else None


# ---- required test cases ----------------------------------------------------------------------------
@dataclass(frozen=True)
class SuiteResult:
    passed: bool
    results: list  # saved_tests.CaseResult of every case run

    @property
    def failures(self) -> list:
        return [r for r in self.results if not r.passed]


def suite_passes(*, connection: Connection, revision: ScriptRevision, by: AbstractBaseUser | None) -> SuiteResult:
    """Run the connection's saved test cases against `revision` (not the current one) and wait for them.
    No case at all passes: the requirement is "no case fails"."""
    from .saved_tests import script_test_cases_run  # saved_tests -> runs -> selectors; imported when needed

    results = script_test_cases_run(connection=connection, by=by, revision=revision)
    return SuiteResult(passed=all(r.passed for r in results), results=results)


def suite_check(*, connection: Connection, revision: ScriptRevision, by: AbstractBaseUser | None) -> None:
    """Raise TestsFailed when the connection requires passing tests and `revision` fails one."""
    if not script_deployment(connection=connection).require_tests:
        return
    suite = suite_passes(connection=connection, revision=revision, by=by)
    if not suite.passed:
        raise TestsFailed(revision_number=revision.number, failures=suite.failures)


# ---- live saves, deploys, rollbacks -----------------------------------------------------------------
def live_after_save(*, connection: Connection, revision: ScriptRevision, by: AbstractBaseUser | None) -> None:
    """A live save (inside its transaction): the new revision serves logins; a running canary ends, as it
    was being compared with a revision that is no longer live."""
    row = _row(connection)
    ScriptDeployment.objects.filter(pk=row.pk).update(
        live_number=revision.number, version=F("version") + 1, updated_at=timezone.now()
    )
    canary = _canary_end(
        connection=connection, state=Canary.STOPPED, by=by, reason=f"Revision {revision.number} was saved live."
    )
    if canary is not None:
        audit_event_record(
            connection=connection,
            action=AuditEvent.Action.CANARY_STOPPED,
            by=by,
            detail={"revision": canary.revision.number, "replaced_by": revision.number},
        )


def revision_deploy(
    *,
    connection: Connection,
    number: int,
    by: AbstractBaseUser | None,
    expected_version: int | None = None,
) -> ScriptDeployment:
    """Make stored revision `number` serve every login (deploying an older revision is a rollback).

    `expected_version`: the deployment version the caller saw (the API's If-Match); without it, the version
    read here, before the required tests run. Raises ScriptRevision.DoesNotExist, DeployConflict when the
    live revision moved since, TestsFailed when required test cases fail. Deploying the live revision
    without a canary changes nothing.
    """
    if number < 1:
        raise ScriptRevision.DoesNotExist("revision 0 (the blank stubs) is never stored, so it cannot be deployed")
    revision = script_revision_get(connection=connection, number=number)
    seen = script_deployment(connection=connection)
    if expected_version is not None and expected_version != seen.version:
        raise DeployConflict(live_number=seen.live_number, version=seen.version)
    canary = script_canary_running(connection=connection)
    if seen.live_number == number and canary is None:
        return seen
    suite_check(connection=connection, revision=revision, by=by)
    with transaction.atomic():
        if seen._state.adding:
            seen = _row(connection)
        _move(connection=connection, seen=seen, live_number=number)
        ScriptRevision.objects.filter(pk=revision.pk).update(is_draft=False)
        promoted = canary is not None and canary.revision_id == revision.pk
        ended = _canary_end(
            connection=connection,
            state=Canary.PROMOTED if promoted else Canary.STOPPED,
            by=by,
            reason="Promoted to live for everyone." if promoted else f"Revision {number} was deployed.",
        )
        connection_touch(connection=connection)
        detail = {"revision": number, "previous": seen.live_number, "rollback": number < seen.live_number}
        if revision.is_draft:
            detail["draft"] = True
        if ended is not None:
            detail["canary"] = ended.revision.number
        audit_event_record(
            connection=connection,
            action=AuditEvent.Action.CANARY_PROMOTED if promoted else AuditEvent.Action.SCRIPTS_DEPLOYED,
            by=by,
            detail=detail,
        )
    return script_deployment(connection=connection)


# ---- canary -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CanarySettings:
    percent: int
    margin: int
    min_calls: int


CANARY_BOUNDS = {"percent": (1, 99), "margin": (0, 100), "min_calls": (1, 1_000_000)}


def canary_settings(*, deployment: ScriptDeployment) -> CanarySettings:
    """The connection's canary settings: its own where set, else the deployment's defaults."""
    return CanarySettings(
        percent=deployment.canary_percent or settings.CANARY_PERCENT,
        margin=deployment.canary_margin if deployment.canary_margin is not None else settings.CANARY_MARGIN,
        min_calls=deployment.canary_min_calls or settings.CANARY_MIN_CALLS,
    )


def canary_settings_validate(values: dict) -> None:
    errors = {}
    for name, value in values.items():
        if name not in CANARY_BOUNDS:
            errors[name] = [f"Unknown; allowed: {', '.join(CANARY_BOUNDS)}."]
        elif value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not CANARY_BOUNDS[name][0] <= value <= CANARY_BOUNDS[name][1]
        ):
            low, high = CANARY_BOUNDS[name]
            errors[name] = [f"A whole number from {low} to {high}, or null for the default."]
    if errors:
        raise ValidationError(errors)


def canary_serves(*, canary: ScriptCanary, connection_pk: int, identifier: str) -> bool:
    """Whether this end user is in the canary's share: a stable hash of connection and user identifier, so
    the same user always gets the same revision while the canary runs (and the same users as it grows)."""
    digest = hashlib.sha256(f"{connection_pk}:{identifier.strip().lower()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10_000 < canary.percent * 100
