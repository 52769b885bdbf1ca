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
from .models import ScriptCanary, ScriptDeployment, ScriptRevision, ScriptTestSuiteRun
from .selectors import script_canary_running, script_deployment, script_revision_get

Canary = ScriptCanary.State


def _label(by: AbstractBaseUser | None) -> str:
    return by.get_username() if by is not None and by.is_authenticated else "system"


def _row(connection: Connection) -> ScriptDeployment:
    """The stored deployment row, created from what is live now when the connection has none yet."""
    seen = script_deployment(connection=connection)
    if not seen._state.adding:
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
    results: list  # the ScriptTestCaseResult of every case

    @property
    def failures(self) -> list:
        return [r for r in self.results if not r.passed]


def suite_passes(*, connection: Connection, revision: ScriptRevision, by: AbstractBaseUser | None) -> SuiteResult:
    """Run the connection's saved test cases against `revision` (not the current one) and wait for them,
    stepping the suite in this process; the suite run is recorded as any other (History shows it).
    No case at all passes: the requirement is "no case fails"."""
    from .test_suites import script_test_suite_start, script_test_suite_wait  # test_suites imports services

    if not connection.script_test_cases.exists():
        return SuiteResult(passed=True, results=[])
    # An unsaved revision (an API PATCH tests its bodies before saving them): the suite runs those bodies.
    bodies = revision.scripts if revision.pk is None else None
    suite = script_test_suite_start(
        connection=connection,
        trigger=ScriptTestSuiteRun.Trigger.GATE,
        by=by,
        revision_number=revision.number,
        enqueue=False,
        proposed=bodies is not None,
    )
    suite = script_test_suite_wait(suite=suite, bodies=bodies)
    results = list(suite.results.select_related("run").order_by("name"))
    return SuiteResult(passed=suite.status == ScriptTestSuiteRun.Status.PASSED, results=results)


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


def canary_start(
    *,
    connection: Connection,
    number: int,
    by: AbstractBaseUser | None,
    percent: int | None = None,
    expected_version: int | None = None,
) -> ScriptCanary:
    """Serve stored revision `number` to `percent` % of end users (default: the connection's setting).

    Raises ScriptRevision.DoesNotExist, ValidationError (it is live already, or a bad percent),
    DeployConflict (a canary runs already, or the live revision moved since the caller read it), TestsFailed.
    """
    if number < 1:
        raise ScriptRevision.DoesNotExist("revision 0 (the blank stubs) is never stored")
    revision = script_revision_get(connection=connection, number=number)
    seen = script_deployment(connection=connection)
    if expected_version is not None and expected_version != seen.version:
        raise DeployConflict(live_number=seen.live_number, version=seen.version)
    if seen.live_number == number:
        raise ValidationError({"revision": f"Revision {number} is live already: a canary needs another revision."})
    if percent is not None:
        canary_settings_validate({"percent": percent})
    if script_canary_running(connection=connection) is not None:
        raise DeployConflict(live_number=seen.live_number, version=seen.version)
    chosen = canary_settings(deployment=seen)
    suite_check(connection=connection, revision=revision, by=by)
    with transaction.atomic():
        if seen._state.adding:
            seen = _row(connection)
        _move(connection=connection, seen=seen)
        try:
            with transaction.atomic():
                canary = ScriptCanary.objects.create(
                    connection=connection,
                    revision=revision,
                    live_number=seen.live_number,
                    percent=percent or chosen.percent,
                    margin=chosen.margin,
                    min_calls=chosen.min_calls,
                    started_by_label=_label(by),
                )
        except IntegrityError:  # one_running_canary: another admin started one at the same moment
            raise DeployConflict(live_number=seen.live_number, version=seen.version + 1) from None
        connection_touch(connection=connection)
        audit_event_record(
            connection=connection,
            action=AuditEvent.Action.CANARY_STARTED,
            by=by,
            detail={
                "revision": number,
                "live": seen.live_number,
                "percent": canary.percent,
                "margin": canary.margin,
                "min_calls": canary.min_calls,
            },
        )
    return canary


def canary_promote(*, connection: Connection, by: AbstractBaseUser | None, expected_version: int | None = None):
    """Make the running canary's revision live for everyone (a deploy: audited, gated, conditional).
    ValidationError when no canary runs."""
    if expected_version is None:
        # The version before the canary is read: were it rolled back (or replaced) between this read and the
        # deploy, the deploy conflicts rather than put a revision just rolled back for its errors live.
        expected_version = script_deployment(connection=connection).version
    canary = script_canary_running(connection=connection)
    if canary is None:
        raise ValidationError({"canary": "No canary is running (it may have been rolled back meanwhile)."})
    return revision_deploy(
        connection=connection, number=canary.revision.number, by=by, expected_version=expected_version
    )


def canary_stop(*, connection: Connection, by: AbstractBaseUser | None) -> ScriptCanary:
    """Stop serving the running canary; everyone gets the live revision again. ValidationError if none runs."""
    with transaction.atomic():
        canary = _canary_end(connection=connection, state=Canary.STOPPED, by=by, reason="Stopped by an admin.")
        if canary is None:
            raise ValidationError({"canary": "No canary is running (it may have ended meanwhile)."})
        ScriptDeployment.objects.filter(connection_id=connection.pk).update(
            version=F("version") + 1, updated_at=timezone.now()
        )
        connection_touch(connection=connection)
        audit_event_record(
            connection=connection,
            action=AuditEvent.Action.CANARY_STOPPED,
            by=by,
            detail={"revision": canary.revision.number, **_counts(canary)},
        )
    return canary


def _counts(canary: ScriptCanary) -> dict:
    return {
        "canary_calls": canary.canary_calls,
        "canary_failures": canary.canary_failures,
        "live_calls": canary.live_calls,
        "live_failures": canary.live_failures,
    }


def canary_rates(canary: ScriptCanary) -> tuple[float, float]:
    """(canary, live) infrastructure-error rates in percent (0 without calls)."""
    return (
        100 * canary.canary_failures / canary.canary_calls if canary.canary_calls else 0.0,
        100 * canary.live_failures / canary.live_calls if canary.live_calls else 0.0,
    )


def canary_record(*, connection: Connection, canary_id: int, on_canary: bool, infrastructure: bool) -> bool:
    """Count one script call of a login flow made while canary `canary_id` ran, on its side or the live
    one; `infrastructure`: it failed for a reason identity.circuit counts as the infrastructure's. Rolls the
    canary back, once, when its error rate exceeds the live one's by more than its margin over at least
    min_calls canary calls. Returns whether this call rolled it back."""
    side = "canary" if on_canary else "live"
    counts = {f"{side}_calls": F(f"{side}_calls") + 1}
    if infrastructure:
        counts[f"{side}_failures"] = F(f"{side}_failures") + 1
    running = ScriptCanary.objects.filter(pk=canary_id, state=Canary.RUNNING)
    if not running.update(**counts) or not (on_canary and infrastructure):
        return False
    canary = running.select_related("revision").first()
    if canary is None or canary.canary_calls < canary.min_calls:
        return False
    canary_rate, live_rate = canary_rates(canary)
    if canary_rate - live_rate <= canary.margin:
        return False
    reason = (
        f"Rolled back automatically: {canary_rate:.0f}% of its {canary.canary_calls} calls failed on "
        f"infrastructure (timeouts, crashes, connection errors) against {live_rate:.0f}% of "
        f"{canary.live_calls} on live revision {canary.live_number}, above the {canary.margin}-point margin."
    )
    with transaction.atomic():
        if not running.update(
            state=Canary.ROLLED_BACK, ended_at=timezone.now(), ended_by_label="system", reason=reason[:300]
        ):
            return False  # another process rolled it back (or an admin ended it) first
        ScriptDeployment.objects.filter(connection_id=connection.pk).update(
            version=F("version") + 1, updated_at=timezone.now()
        )
        connection_touch(connection=connection)
        audit_event_record(
            connection=connection,
            action=AuditEvent.Action.CANARY_ROLLED_BACK,
            by=None,
            detail={"revision": canary.revision.number, "live": canary.live_number, **_counts(canary)},
        )
    return True


def canary_acknowledge(*, connection: Connection) -> None:
    """Hide the banner of the connection's rolled-back canaries (they stay in its history)."""
    connection.script_canaries.filter(state=Canary.ROLLED_BACK, acknowledged=False).update(acknowledged=True)


def deployment_configure(
    *,
    connection: Connection,
    by: AbstractBaseUser | None,
    require_tests: bool | None = None,
    canary: dict | None = None,
) -> ScriptDeployment:
    """Change whether test cases are required and the canary settings ({percent, margin, min_calls}; None
    values mean the deployment's default; absent keys stay). Audited when something changes."""
    canary = dict(canary or {})
    canary_settings_validate(canary)
    row = _row(connection)
    fields = {f"canary_{name}": value for name, value in canary.items()}
    if require_tests is not None:
        fields["require_tests"] = bool(require_tests)
    changes = {k: v for k, v in fields.items() if getattr(row, k) != v}
    if changes:
        # A new version: a deploy or canary decided under the old settings (tests not required, another share)
        # conflicts at its conditional move instead of going live past a gate just turned on.
        ScriptDeployment.objects.filter(pk=row.pk).update(
            **changes, version=F("version") + 1, updated_at=timezone.now()
        )
        audit_event_record(
            connection=connection,
            action=AuditEvent.Action.CONNECTION_UPDATED,
            by=by,
            detail={"deployment": changes},
        )
    return script_deployment(connection=connection)


# ---- what the pages and the API show ----------------------------------------------------------------
def canary_summary(canary: ScriptCanary) -> dict:
    """One canary as History, the banner and the API show it (counts and rates, no end-user data)."""
    canary_rate, live_rate = canary_rates(canary)
    return {
        "revision": canary.revision.number,
        "live_revision": canary.live_number,
        "state": canary.state,
        "percent": canary.percent,
        "margin": canary.margin,
        "min_calls": canary.min_calls,
        "canary_calls": canary.canary_calls,
        "canary_failures": canary.canary_failures,
        "canary_error_rate": round(canary_rate, 1),
        "live_calls": canary.live_calls,
        "live_failures": canary.live_failures,
        "live_error_rate": round(live_rate, 1),
        "started_at": canary.started_at,
        "started_by": canary.started_by_label,
        "ended_at": canary.ended_at,
        "ended_by": canary.ended_by_label,
        "reason": canary.reason,
    }


def release_state(*, connection: Connection) -> dict:
    """The connection's release: live revision, version (ETag), settings, running canary, and the last
    automatic rollback nobody has dismissed yet (the banner)."""
    deployment = script_deployment(connection=connection)
    chosen = canary_settings(deployment=deployment)
    running = script_canary_running(connection=connection)
    rolled_back = (
        connection.script_canaries.filter(state=Canary.ROLLED_BACK, acknowledged=False).select_related("revision")
    ).first()
    return {
        "live_revision": deployment.live_number,
        "version": deployment.version,
        "require_tests": deployment.require_tests,
        "canary_settings": {"percent": chosen.percent, "margin": chosen.margin, "min_calls": chosen.min_calls},
        "canary_overrides": {
            "percent": deployment.canary_percent,
            "margin": deployment.canary_margin,
            "min_calls": deployment.canary_min_calls,
        },
        "canary": canary_summary(running) if running else None,
        "rolled_back": canary_summary(rolled_back) if rolled_back else None,
    }
