"""The circuit breaker of a connection's legacy store (issue 17, section 5).

When the legacy store keeps failing (timeouts, crashes, refused or dropped connections, scriptd down), every
login of a user who has not migrated yet would hold its request for the whole script timeout. After
`failure_threshold` infrastructure failures in a row within `window_s`, the circuit opens: calls that need
the legacy store fail at once with `legacy_unavailable`, while migrated users, answered by the managed
store, never reach it. After `cooldown_s` one call is let through as the probe: its outcome closes the
circuit or opens it for another cool-down. Opening and closing are audited.

The state lives in the database (one LegacyCircuit row per connection, changed by conditional UPDATEs), so
every web and worker process sees the same circuit and exactly one of them sends the probe.

What counts as an infrastructure failure: a timeout, a crash, scriptd unavailable, or a script error whose
message or code says the store could not be reached (ECONNREFUSED and the like). An answer of the store
(a profile, no user, WrongUsernameOrPasswordError, a ValidationError, any other script error) does not:
it proves the store is there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from connections_admin import services as audit
from connections_admin.models import AuditEvent, Connection
from telemetry.metrics import LEGACY_CIRCUIT_TRANSITIONS

from .exceptions import FlowFailed
from .models import LegacyCircuit

State = LegacyCircuit.State

INFRASTRUCTURE_REASONS = {"script_timeout", "script_crash", "scriptd_unavailable"}
# Node's network error codes and the drivers' (pg, mysql2, mssql, mongodb) words for a store out of reach.
CONNECTION_FAILURE = re.compile(
    r"\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|ENOTFOUND|EAI_AGAIN|EPIPE"
    r"|PROTOCOL_CONNECTION_LOST|ER_CON_COUNT_ERROR|ESOCKET|ETIMEOUT)\b"
    r"|connection (refused|terminated|timeout|timed out|reset|lost)|timeout expired|socket hang up"
    r"|too many (connections|clients)|the database system is (starting up|shutting down|in recovery)"
    r"|server closed the connection|could not connect|can't connect|server selection timed out",
    re.IGNORECASE,
)
# A probe whose process died never reports: after this long beyond the script timeout another call probes.
PROBE_GRACE_S = 10


def is_infrastructure_failure(failure: FlowFailed) -> bool:
    """Whether a failed script run says the legacy store (or the sandbox reaching it) is out of service."""
    if failure.reason in INFRASTRUCTURE_REASONS:
        return True
    return failure.reason == "script_error" and bool(CONNECTION_FAILURE.search(failure.message))


@dataclass(frozen=True)
class Limits:
    failure_threshold: int
    window_s: int
    cooldown_s: int


def circuit_limits(circuit: LegacyCircuit | None) -> Limits:
    """The connection's thresholds: its own where set, else the settings' defaults."""
    own = circuit or LegacyCircuit()
    return Limits(
        failure_threshold=own.failure_threshold or settings.CIRCUIT_FAILURES,
        window_s=own.window_s or settings.CIRCUIT_WINDOW_S,
        cooldown_s=own.cooldown_s or settings.CIRCUIT_COOLDOWN_S,
    )


@dataclass(frozen=True)
class Admission:
    """What circuit_admit saw: whether this call is the probe, and the failures counted before it."""

    probe: bool = False
    failures: int = 0


def circuit_admit(*, connection: Connection) -> Admission:
    """Before a script run that needs the legacy store. Raises FlowFailed("legacy_unavailable") while the
    circuit is open (or another call is probing); the one call let through after the cool-down is the probe."""
    circuit = LegacyCircuit.objects.filter(connection=connection).first()
    if circuit is None or circuit.state == State.CLOSED:
        return Admission(failures=circuit.failures if circuit else 0)
    now = timezone.now()
    limits = circuit_limits(circuit)
    rows = LegacyCircuit.objects.filter(pk=circuit.pk, state=circuit.state)
    if circuit.state == State.OPEN and now >= circuit.opened_at + timedelta(seconds=limits.cooldown_s):
        if rows.filter(opened_at=circuit.opened_at).update(state=State.HALF_OPEN, probe_started_at=now):
            return Admission(probe=True, failures=circuit.failures)
    elif circuit.state == State.HALF_OPEN and now >= circuit.probe_started_at + timedelta(
        seconds=connection.script_timeout_s + PROBE_GRACE_S
    ):
        if rows.filter(probe_started_at=circuit.probe_started_at).update(probe_started_at=now):
            return Admission(probe=True, failures=circuit.failures)
    retry_at = max(now, circuit.opened_at + timedelta(seconds=limits.cooldown_s))
    raise FlowFailed(
        "legacy_unavailable",
        f"The legacy store of {connection.name} is unavailable: its circuit opened at "
        f"{circuit.opened_at:%H:%M:%S} UTC after {circuit.failures} failures in a row. Users who have not "
        f"migrated yet cannot log in now; the store is tried again after {retry_at:%H:%M:%S} UTC.",
    )


def circuit_record(*, connection: Connection, admission: Admission, failure: FlowFailed | None) -> None:
    """After a script run admitted by circuit_admit: count, open or close. `failure` is None on success."""
    infrastructure = failure is not None and is_infrastructure_failure(failure)
    rows = LegacyCircuit.objects.filter(connection=connection)
    now = timezone.now()
    if admission.probe:
        if infrastructure:  # still down: another cool-down, no new audit row (it never closed)
            if rows.filter(state=State.HALF_OPEN).update(
                state=State.OPEN, opened_at=now, probe_started_at=None, last_failure=failure.reason
            ):
                LEGACY_CIRCUIT_TRANSITIONS.labels("reopened").inc()
        elif rows.filter(state=State.HALF_OPEN).update(
            state=State.CLOSED, failures=0, window_started_at=None, opened_at=None, probe_started_at=None
        ):
            _audit(connection, opened=False, detail={"probe": "succeeded"})
        return
    if not infrastructure:
        if admission.failures:  # the store answered: the failures are no longer "in a row"
            rows.filter(state=State.CLOSED).update(failures=0, window_started_at=None)
        return
    circuit, _ = LegacyCircuit.objects.get_or_create(connection_id=connection.pk)
    limits = circuit_limits(circuit)
    closed = LegacyCircuit.objects.filter(pk=circuit.pk, state=State.CLOSED)
    with transaction.atomic():
        # A failure long after the previous ones starts a new window rather than adding to a stale count.
        closed.filter(
            Q(window_started_at__isnull=True) | Q(window_started_at__lt=now - timedelta(seconds=limits.window_s))
        ).update(failures=0, window_started_at=now)
        closed.update(failures=F("failures") + 1, last_failure=failure.reason)
        opened = closed.filter(failures__gte=limits.failure_threshold).update(state=State.OPEN, opened_at=now)
    if opened:
        _audit(
            connection,
            opened=True,
            detail={"failures": limits.failure_threshold, "window_s": limits.window_s, "last_failure": failure.reason},
        )


def _audit(connection: Connection, *, opened: bool, detail: dict) -> None:
    LEGACY_CIRCUIT_TRANSITIONS.labels("opened" if opened else "closed").inc()
    action = AuditEvent.Action.CIRCUIT_OPENED if opened else AuditEvent.Action.CIRCUIT_CLOSED
    audit.audit_event_record(connection=connection, action=action, by=None, detail=detail)


# The per-connection overrides: their names in the API and the bounds they must keep.
OVERRIDES = {
    "failures": ("failure_threshold", 1, 1000),
    "window_s": ("window_s", 1, 86400),
    "cooldown_s": ("cooldown_s", 1, 86400),
}


_PRELOADED = "_legacy_circuit_preloaded"


def circuits_preload(connections) -> None:
    """One query for the circuits of many connections (the API's list), read by the functions below."""
    connections = list(connections)
    rows = {c.connection_id: c for c in LegacyCircuit.objects.filter(connection__in=connections)}
    for connection in connections:
        setattr(connection, _PRELOADED, rows.get(connection.pk))


def _stored(connection: Connection) -> LegacyCircuit | None:
    if hasattr(connection, _PRELOADED):
        return getattr(connection, _PRELOADED)
    return LegacyCircuit.objects.filter(connection_id=connection.pk).first()


def circuit_overrides(*, connection: Connection) -> dict[str, int | None]:
    """The connection's own thresholds by API name; None where the deployment's default applies."""
    circuit = _stored(connection)
    return {name: getattr(circuit, field) if circuit else None for name, (field, _, _) in OVERRIDES.items()}


def circuit_validate(*, overrides: dict[str, int | None]) -> None:
    errors = {}
    for name, value in overrides.items():
        if name not in OVERRIDES:
            errors[name] = [f"Unknown; allowed: {', '.join(OVERRIDES)}."]
        elif value is not None and not (OVERRIDES[name][1] <= value <= OVERRIDES[name][2]):
            errors[name] = [f"Must be between {OVERRIDES[name][1]} and {OVERRIDES[name][2]}, or null for the default."]
    if errors:
        raise ValidationError(errors)


def circuit_configure(*, connection: Connection, overrides: dict[str, int | None], by: AbstractBaseUser | None) -> None:
    """Set the connection's thresholds (absent or None: the deployment's default); audited when they change."""
    circuit_validate(overrides=overrides)
    wanted = {name: overrides.get(name) for name in OVERRIDES}
    if wanted == circuit_overrides(connection=connection):
        return
    circuit, _ = LegacyCircuit.objects.get_or_create(connection_id=connection.pk)
    LegacyCircuit.objects.filter(pk=circuit.pk).update(**{OVERRIDES[n][0]: v for n, v in wanted.items()})
    if hasattr(connection, _PRELOADED):
        delattr(connection, _PRELOADED)
    audit.audit_event_record(
        connection=connection,
        action=AuditEvent.Action.CONNECTION_UPDATED,
        by=by,
        detail={"circuit_breaker": wanted},
    )


def circuit_state(*, connection: Connection) -> dict:
    """The circuit as the connection page and the API show it (no secret: reasons are codes)."""
    circuit = _stored(connection)
    limits = circuit_limits(circuit)
    circuit = circuit or LegacyCircuit(connection=connection)
    retry_at = None
    if circuit.state != State.CLOSED and circuit.opened_at:
        retry_at = circuit.opened_at + timedelta(seconds=limits.cooldown_s)
    return {
        "state": circuit.state,
        "failures": circuit.failures,
        "opened_at": circuit.opened_at,
        "retry_at": retry_at,
        "last_failure": circuit.last_failure,
        "failure_threshold": limits.failure_threshold,
        "window_s": limits.window_s,
        "cooldown_s": limits.cooldown_s,
    }
