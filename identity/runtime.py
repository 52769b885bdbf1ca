"""One flow through a connection: runs its scripts in scriptd and records what happened.

Real logins call scriptd directly (never through Celery: a login must not wait in a queue), in the
connection's warm isolate for the live revision (never a draft), so `global` persists as Auth0 documents. No database
transaction is open while a script runs; the flow's writes happen after, in one short transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from connections_admin import selectors as connection_selectors
from connections_admin import services as audit
from connections_admin.models import AuditEvent, Connection
from scriptd_client import client as scriptd
from scriptd_client.masking import MASK, Masker
from scripts_editor import deploy
from scripts_editor import selectors as script_selectors
from scripts_editor.scriptd_request import scriptd_request_build
from scripts_editor.scripts import BY_KEY
from telemetry.context import request_id_get
from telemetry.metrics import LOGINS

from . import circuit, logs, shadow, shadow_runs
from .exceptions import FlowFailed
from .models import FlowEvent, ManagedUser

# The isolate's error names that mean something to a flow (custom-db-spec.md section 1).
# MemoryError: the isolate hit its memory limit and was thrown away, a crash as far as the flow can tell.
ERROR_REASONS = {
    "WrongUsernameOrPasswordError": "wrong_username_or_password",
    "UnauthorizedError": "unauthorized",
    "MemoryError": "script_crash",
}
# A profile's credentials for the legacy store (identity tokens, hashes): a flow's record never keeps them,
# whatever they are. (Known secrets, anywhere in the answer, are masked by scriptd_client.masking.)
CREDENTIAL_FIELDS = {"access_token", "refresh_token", "password", "password_hash"}


# (connection pk, updated_at) -> (live revision, decrypted configuration, its plain keys, running canary).
# Every change to a connection's scripts, deployment or configuration moves its updated_at (connection_touch),
# and flows start from a freshly read connection, so an entry is never stale; the bound keeps memory flat.
_SNAPSHOTS: dict[tuple[int, Any], tuple[Any, dict[str, str], frozenset[str], Any]] = {}
_SNAPSHOTS_MAX = 512


def _snapshot(connection: Connection) -> tuple[Any, dict[str, str], frozenset[str], Any]:
    """The connection's live scripts, canary and configuration, read and decrypted once per change."""
    key = (connection.pk, connection.updated_at)
    found = _SNAPSHOTS.get(key)
    if found is None:
        found = (
            script_selectors.script_revision_live(connection=connection),
            *connection_selectors.configuration_for_run_with_plain_keys(connection=connection),
            script_selectors.script_canary_running(connection=connection),
        )
        if len(_SNAPSHOTS) >= _SNAPSHOTS_MAX:
            _SNAPSHOTS.pop(next(iter(_SNAPSHOTS)))
        _SNAPSHOTS[key] = found
    return found


def _without_credentials(value: Any) -> Any:
    """A (masked) answer as the run record keeps it: credential fields replaced by a mask, at any depth."""
    if isinstance(value, dict):
        return {k: MASK if k in CREDENTIAL_FIELDS and v else _without_credentials(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_credentials(v) for v in value]
    return value


@dataclass
class FlowResult:
    event: FlowEvent
    user: ManagedUser | None = None
    value: Any = None  # what the last script answered (change_password's true or {last_password_reset})

    @property
    def path(self) -> str:
        return self.event.path


@dataclass
class Flow:
    """Collects a flow's script runs; records its FlowEvent and audit row whether it succeeds or fails.

    with Flow(connection=c, kind=FlowEvent.Flow.LOGIN, identifier=email, by=user) as flow:
        ...
        return flow.succeed(user=user)
    """

    connection: Connection
    kind: str
    identifier: str
    by: AbstractBaseUser | None = None
    ip: str = ""  # the end user's, for attack protection and the log
    user_agent: str = ""
    from_try: bool = False  # the dashboard's Try connection, kept apart from end-user traffic
    path: str = FlowEvent.Path.MANAGED
    runs: list[dict[str, Any]] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    _revision: Any = None
    _configuration: dict[str, str] | None = None
    _plain_keys: frozenset[str] = frozenset()
    _canary: Any = None  # the running canary this flow's calls count towards, if any
    _on_canary: bool = False  # this end user is in the canary's share: the canary's revision serves the flow
    _passwords: list[str] = field(default_factory=list)  # every password this flow's runs were given
    _shadow: shadow.ActiveShadow | None = None  # a draft running in shadow on this connection
    _shadow_jobs: list[shadow.ShadowJob] = field(default_factory=list)  # real calls it repeats after the answer

    def __enter__(self) -> Flow:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if isinstance(exc, FlowFailed):
            # Messages may quote the profile (an email with the typed password in it): masked like the runs.
            exc.message = self._masker().text(exc.message)
            exc.args = (exc.message,)
            event = self._record(succeeded=False, reason=exc.reason, message=exc.message)
            exc.event = event  # the caller (Try page, API) can show the runs and logs
        return False

    # ---- scripts -------------------------------------------------------------------------------
    def _masker(self) -> Masker:
        return Masker.for_run(
            configuration=self._configuration or {}, plain_keys=self._plain_keys, passwords=self._passwords
        )

    def run(self, key: str, args: list[Any]) -> Any:
        """Run one script and return its value; a failure of any kind raises FlowFailed with its reason."""
        if self._revision is None:
            self._revision, self._configuration, self._plain_keys, self._canary = _snapshot(self.connection)
            if self._canary is not None and deploy.canary_serves(
                canary=self._canary, connection_pk=self.connection.pk, identifier=self.identifier
            ):
                self._revision, self._on_canary = self._canary.revision, True
            self._shadow = shadow.shadow_active(connection=self.connection)
        source = self._revision.scripts.get(key, "")
        if not source.strip():
            raise FlowFailed(
                "script_not_implemented",
                f"The {BY_KEY[key].title} script of {self.connection.name} is not defined, so the connection does "
                "not offer this (each optional script enables its feature, as in Auth0).",
            )
        try:
            admission = circuit.circuit_admit(connection=self.connection)
        except FlowFailed as e:  # fail fast: the legacy store is not asked while its circuit is open
            self.runs.append(
                {"script": key, "status": "circuit_open", "ms": 0, "error": {"message": e.message}, "logs": []}
            )
            raise
        try:
            value = self._call(key, source, args)
        except FlowFailed as e:
            # A canary's own infrastructure failures are its revision's fault until proven otherwise (its
            # rollback judges them against live's): they must not open the circuit for every user.
            if not (self._on_canary and circuit.is_infrastructure_failure(e) and not admission.probe):
                circuit.circuit_record(connection=self.connection, admission=admission, failure=e)
            self._canary_record(failure=e)
            raise
        circuit.circuit_record(connection=self.connection, admission=admission, failure=None)
        self._canary_record(failure=None)
        return value

    def _canary_record(self, *, failure: FlowFailed | None) -> None:
        """While a canary runs, count this call on its side (canary or live) for the automatic rollback."""
        if self._canary is None:
            return
        deploy.canary_record(
            connection=self.connection,
            canary_id=self._canary.pk,
            on_canary=self._on_canary,
            infrastructure=failure is not None and circuit.is_infrastructure_failure(failure),
        )

    def _call(self, key: str, source: str, args: list[Any]) -> Any:
        """One run in scriptd; a failure of any kind raises FlowFailed with its reason."""
        c = self.connection
        try:
            outcome = scriptd.run_script_collect(
                **scriptd_request_build(
                    connection=c,
                    script=key,
                    source=source,
                    args=args,
                    mode="warm",
                    purpose="login",  # scriptd serves logins before Try runs
                    revision=self._revision.number,
                    configuration=self._configuration,
                )
            )
        except scriptd.ScriptdUnavailable as e:
            self.runs.append(
                {"script": key, "status": "unavailable", "ms": 0, "error": {"message": str(e)}, "logs": []}
            )
            raise FlowFailed("scriptd_unavailable", str(e)) from e
        if self._shadow is not None and self._shadow.covers(key, live_number=self._revision.number):
            # Only noted here: the draft runs after the answer was given (identity.shadow_runs).
            self._shadow_jobs.append(
                shadow.ShadowJob(
                    active=self._shadow,
                    connection=c,
                    configuration=self._configuration,
                    plain_keys=self._plain_keys,
                    key=key,
                    args=list(args),
                    live_status=outcome.status,
                    live_value=outcome.value,
                    live_error=outcome.error,
                    live_ms=outcome.result.get("ms"),
                )
            )
        # Everything recorded or shown is masked; the flow itself goes on with the script's own answer.
        self._passwords += BY_KEY[key].passwords(args)
        mask = self._masker()
        raw_error = outcome.error
        error = mask.value({k: v for k, v in raw_error.items() if k in ("name", "message", "code", "description")})
        logs = [
            {"level": log.get("level"), "text": mask.text(str(log.get("text", ""))), "time": log.get("time")}
            for log in outcome.logs
        ]
        self.runs.append(
            {
                "script": key,
                "revision": self._revision.number,  # which revision served it: live or a canary's
                "status": outcome.status,
                "ms": outcome.result.get("ms", 0),
                "value": _without_credentials(mask.value(outcome.value)),
                "error": error,
                "logs": logs,
            }
        )
        if outcome.status == "ok":
            return outcome.value
        if outcome.status == "timeout":
            raise FlowFailed("script_timeout", f"The {key} script did not call back within {c.script_timeout_s} s.")
        if outcome.status == "crash":
            raise FlowFailed("script_crash", f"The {key} script crashed: {error.get('message', '')}".strip())
        name, message = raw_error.get("name", "Error"), error.get("message", "")
        if name == "ValidationError" and raw_error.get("code") == "user_exists":
            raise FlowFailed("user_exists", message or "The user already exists.")
        reason = ERROR_REASONS.get(name, "script_error")
        raise FlowFailed(reason, f"{error.get('name', 'Error')}: {message}" if reason == "script_error" else message)

    # ---- outcome -------------------------------------------------------------------------------
    def succeed(self, *, user: ManagedUser | None = None, value: Any = None) -> FlowResult:
        return FlowResult(event=self._record(succeeded=True, user=user), user=user, value=value)

    def _record(
        self, *, succeeded: bool, user: ManagedUser | None = None, reason: str = "", message: str = ""
    ) -> FlowEvent:
        with transaction.atomic(savepoint=False):
            event = FlowEvent.objects.create(
                connection=self.connection,
                flow=self.kind,
                path=self.path,
                succeeded=succeeded,
                reason=reason,
                message=message,
                identifier=self.identifier[:254],
                ip=self.ip[:45],
                user_agent=self.user_agent[:255],
                user=user if user and user.pk else None,
                script_runs=self.runs,
                duration_ms=round((time.perf_counter() - self.started) * 1000, 2),
                request_id=request_id_get(),
                from_try=self.from_try,
            )
            detail = {
                "flow": self.kind,
                "path": self.path,
                "outcome": "succeeded" if succeeded else reason,
                "identifier": self.identifier[:254],
            }
            if user is not None:
                detail["user_id"] = user.user_id
            if self.from_try:
                detail["try_connection"] = True
            action = AuditEvent.Action.USER_EVENT
            if succeeded and self.path == FlowEvent.Path.MIGRATED:
                action = AuditEvent.Action.USER_MIGRATED
            elif succeeded and self.kind == FlowEvent.Flow.DELETE:
                action = AuditEvent.Action.USER_DELETED
            audit.audit_event_record(connection=self.connection, action=action, by=self.by, detail=detail)
            logs.log_flow(event=event, user=user if user and user.pk else None, by=self.by)
        if self.kind == FlowEvent.Flow.LOGIN:
            LOGINS.labels(self.path, "succeeded" if succeeded else reason).inc()
        if self._shadow_jobs:
            shadow_runs.shadow_dispatch(self._shadow_jobs)
            self._shadow_jobs = []
        return event
