"""Shadow runs of a draft revision (issue 17, section 3): start, stop, compare and record.

While a ShadowSession runs, each real call of one of its scripts (identity.runtime.Flow) is repeated with the
draft's script and the same arguments, after the real answer was given (identity.shadow_runs), and both
outcomes are compared here. The real call never waits for, and is never changed by, the draft.

Outcomes are compared by kind (a profile, no user, a wrong password, a value, or an error by name and code);
profiles by their normalised fields (identity.profiles), credentials left out. What is stored is masked
with the run's secrets (scriptd_client.masking), credential fields removed, as every flow record is.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, QuerySet
from django.utils import timezone

from connections_admin import services as audit
from connections_admin.models import AuditEvent, Connection
from scriptd_client.masking import Masker
from scripts_editor import selectors as script_selectors
from scripts_editor.scripts import BY_KEY, SCRIPT_KEYS

from .exceptions import FlowFailed
from .models import SHADOW_SAFE_SCRIPTS, SHADOW_WRITING_SCRIPTS, ShadowComparison, ShadowSession
from .profiles import profile_normalise

Status = ShadowSession.Status
MAX_CALLS_LIMIT = 100_000
MAX_DURATION = timedelta(days=7)
DIFFERING_SHOWN = 50  # the page and the API show the newest differing cases, not all of them
LOG_LINES_KEPT = 20


class ShadowConflict(Exception):
    """The connection already has a running shadow session."""


# ---- which calls are shadowed (read on every real call: kept in memory) -----------------------------------
@dataclass(frozen=True)
class ActiveShadow:
    """What a flow needs to know about the running session, without a query per login."""

    session_id: int
    revision_number: int
    scripts: frozenset[str]
    bodies: dict[str, str]
    ends_at: datetime

    def covers(self, key: str, *, live_number: int) -> bool:
        # A revision that went live meanwhile is compared with itself no more.
        return key in self.scripts and live_number != self.revision_number and timezone.now() < self.ends_at


# connection public_id (random, never reused, unlike a pk after a rollback) -> (read at, ActiveShadow or None). A start or stop in this process drops the entry at once;
# other processes see it within ACTIVE_TTL_S (the worker's claim enforces the limits exactly, whatever this says).
_ACTIVE: dict[str, tuple[float, ActiveShadow | None]] = {}
ACTIVE_TTL_S = 2.0
_ACTIVE_MAX = 512
_ACTIVE_LOCK = threading.Lock()


def shadow_active(*, connection: Connection) -> ActiveShadow | None:
    """The connection's running shadow session, read at most once per ACTIVE_TTL_S per process."""
    now = time.monotonic()
    found = _ACTIVE.get(connection.public_id)
    if found is not None and now - found[0] < ACTIVE_TTL_S:
        return found[1]
    session = (
        ShadowSession.objects.filter(connection_id=connection.pk, status=Status.RUNNING)
        .select_related("revision")
        .first()
    )
    active = None
    if session is not None:
        active = ActiveShadow(
            session_id=session.pk,
            revision_number=session.revision.number,
            scripts=frozenset(session.scripts),
            bodies=session.revision.scripts,
            ends_at=session.ends_at,
        )
    with _ACTIVE_LOCK:  # web threads share the dict: evicting while another inserts must not raise
        if len(_ACTIVE) >= _ACTIVE_MAX:
            _ACTIVE.pop(next(iter(_ACTIVE)), None)
        _ACTIVE[connection.public_id] = (now, active)
    return active


def _forget(public_id: str) -> None:
    _ACTIVE.pop(public_id, None)


# ---- start and stop ---------------------------------------------------------------------------------------
def shadow_scripts_validate(*, scripts: list[str], allow_writes: list[str]) -> list[str]:
    """The scripts to shadow, in canonical order. A script that writes to the legacy store must also be named
    in `allow_writes`: repeating it writes a second time (a second user, a second password change)."""
    unknown = sorted(set(scripts) - set(SCRIPT_KEYS))
    if unknown:
        raise ValidationError({"scripts": f"Unknown scripts: {', '.join(unknown)}."})
    if not scripts:
        raise ValidationError({"scripts": "Choose at least one script to shadow."})
    unallowed = [k for k in scripts if k in SHADOW_WRITING_SCRIPTS and k not in allow_writes]
    if unallowed:
        raise ValidationError(
            {
                "scripts": f"{', '.join(unallowed)} write to the legacy store: a shadow run would write a second "
                "time. Allow each one explicitly to shadow it."
            }
        )
    return [k for k in SCRIPT_KEYS if k in scripts]


@transaction.atomic
def shadow_session_start(
    *,
    connection: Connection,
    number: int,
    by: AbstractBaseUser | None,
    scripts: list[str] | None = None,
    allow_writes: list[str] | None = None,
    max_calls: int | None = None,
    duration: timedelta | None = None,
) -> ShadowSession:
    """Start shadowing revision `number` (a stored revision that does not serve logins). Audited.

    Raises ScriptRevision.DoesNotExist, ValidationError (the live revision, bad scripts or limits) and
    ShadowConflict when a session already runs on this connection."""
    revision = connection.script_revisions.get(number=number)
    if number == script_selectors.script_revision_live_number(connection=connection):
        raise ValidationError(
            {"revision": f"Revision {number} is live: only a revision that serves no login can shadow."}
        )
    chosen = shadow_scripts_validate(scripts=list(scripts or SHADOW_SAFE_SCRIPTS), allow_writes=allow_writes or [])
    max_calls = settings.SHADOW_DEFAULT_CALLS if max_calls is None else max_calls
    duration = timedelta(hours=settings.SHADOW_DEFAULT_HOURS) if duration is None else duration
    if not 1 <= max_calls <= MAX_CALLS_LIMIT:
        raise ValidationError({"max_calls": f"Between 1 and {MAX_CALLS_LIMIT} calls."})
    if not timedelta(minutes=1) <= duration <= MAX_DURATION:
        raise ValidationError({"duration": "Between one minute and seven days."})
    actor = by if by is not None and by.is_authenticated else None
    shadow_sessions_expire(connection=connection)  # a session past its end holds the one running slot no more
    try:
        with transaction.atomic():
            session = ShadowSession.objects.create(
                connection=connection,
                revision=revision,
                scripts=chosen,
                max_calls=max_calls,
                ends_at=timezone.now() + duration,
                started_by=actor,
                started_by_label=actor.get_username() if actor else "system",
            )
    except IntegrityError:  # the one-running constraint: decided by the database, not by a read first
        raise ShadowConflict(connection.pk) from None
    audit.audit_event_record(
        connection=connection,
        action=AuditEvent.Action.SHADOW_STARTED,
        by=by,
        detail={"revision": number, "scripts": chosen, "max_calls": max_calls, "ends_at": session.ends_at.isoformat()},
    )
    transaction.on_commit(lambda: _forget(connection.public_id))
    return session


def shadow_session_stop(*, session: ShadowSession, by: AbstractBaseUser | None, status: str = Status.STOPPED) -> bool:
    """End a running session (by an admin, or "system" at its limits). Audited once: False when it had
    already ended (a conditional update, so two enders never both record it)."""
    actor = by if by is not None and by.is_authenticated else None
    now = timezone.now()
    with transaction.atomic():
        if not ShadowSession.objects.filter(pk=session.pk, status=Status.RUNNING).update(
            status=status, stopped_at=now, stopped_by_label=actor.get_username() if actor else "system"
        ):
            return False
        session.refresh_from_db()
        audit.audit_event_record(
            connection=session.connection,
            action=AuditEvent.Action.SHADOW_STOPPED,
            by=by,
            detail={
                "revision": session.revision.number,
                "status": status,
                "calls": session.calls,
                "agreed": session.agreed,
            },
        )
        transaction.on_commit(lambda: _forget(session.connection.public_id))
    return True


def shadow_sessions_expire(*, connection: Connection | None = None) -> int:
    """End every running session past its time limit (of one connection): the beat, and before a start or a
    read, so a session past its end never shows as running nor blocks a new one when the beat is late or
    not running. Returns how many."""
    ended = 0
    overdue = ShadowSession.objects.filter(status=Status.RUNNING, ends_at__lte=timezone.now())
    if connection is not None:
        overdue = overdue.filter(connection_id=connection.pk)
    for session in overdue.select_related("connection", "revision"):
        ended += shadow_session_stop(session=session, by=None, status=Status.EXPIRED)
    return ended


# ---- reads ------------------------------------------------------------------------------------------------
def shadow_session_list(*, connection: Connection, number: int | None = None) -> QuerySet[ShadowSession]:
    """The connection's sessions (of one revision), newest first, with their recorded comparison count; those
    past their end are ended first."""
    shadow_sessions_expire(connection=connection)
    sessions = connection.shadow_sessions.select_related("revision").annotate(comparison_count=Count("comparisons"))
    return sessions if number is None else sessions.filter(revision__number=number)


def shadow_running_number(*, connection: Connection) -> int | None:
    """The number of the revision running in shadow on the connection, if one does."""
    running = connection.shadow_sessions.filter(status=Status.RUNNING, ends_at__gt=timezone.now())
    return running.values_list("revision__number", flat=True).first()


def shadow_differences(*, session: ShadowSession) -> QuerySet[ShadowComparison]:
    return session.comparisons.filter(agree=False)[:DIFFERING_SHOWN]


# What an outcome keeps for readers who may not change the connection: what was answered is script output.
OUTCOME_KEPT_HIDDEN = ("kind", "name", "code")


def shadow_difference_show(*, comparison: ShadowComparison, full: bool) -> dict:
    """One differing case as the page and the API show it. The outcomes (profiles, values, messages) and the
    draft's console quote what the scripts answered and printed, so, as with a Try run's output
    (scripts_editor.runs.selectors.OUTPUT_HIDDEN), only `full` readers (who may change the connection) get
    them; others see the outcome kinds, error names and codes, and which fields differ."""
    outcomes = [comparison.live, comparison.draft]
    if not full:
        outcomes = [{k: o[k] for k in OUTCOME_KEPT_HIDDEN if k in o} for o in outcomes]
    return {
        "script": comparison.script,
        "live": outcomes[0],
        "draft": outcomes[1],
        "differing_fields": comparison.differing_fields,
        "arguments": comparison.arguments,
        "draft_logs": comparison.draft_logs if full else [],
        "created_at": comparison.created_at,
    }


# ---- comparing ----------------------------------------------------------------------------------------------
def outcome_of(*, key: str, status: str, value: Any, error: dict[str, Any], connection: Connection) -> dict:
    """One run's outcome as compared: its kind and what must match within the kind (not messages or logs)."""
    if status == "ok":
        if value is None:
            return {"kind": "not_found"}
        if BY_KEY[key].returns_profile:
            try:
                profile = dataclasses.asdict(profile_normalise(value, connection=connection))
            except FlowFailed as e:
                return {"kind": "error", "name": "invalid_profile", "code": "", "message": e.message}
            profile.pop("tokens")  # credentials: never compared, never stored
            return {"kind": "profile", "profile": profile}
        return {"kind": "value", "value": value}
    if status in ("timeout", "crash", "unavailable"):
        return {"kind": "error", "name": status, "code": "", "message": str(error.get("message", ""))}
    name = str(error.get("name") or "Error")
    if name == "WrongUsernameOrPasswordError":
        return {"kind": "wrong_password"}
    return {
        "kind": "error",
        "name": name,
        "code": str(error.get("code") or ""),
        "message": str(error.get("message", "")),
    }


def outcomes_agree(live: dict, draft: dict) -> bool:
    """Same kind, and the same profile fields, value, or error name and code (messages may differ)."""
    return {k: v for k, v in live.items() if k != "message"} == {k: v for k, v in draft.items() if k != "message"}


@dataclass
class ShadowJob:
    """A real call to repeat: everything the worker needs, held in memory only (the arguments hold the
    password: they never reach the database, the broker or a log unmasked)."""

    active: ActiveShadow
    connection: Connection
    configuration: dict[str, str]
    plain_keys: frozenset[str]
    key: str
    args: list[Any]
    live_status: str
    live_value: Any
    live_error: dict[str, Any]
    live_ms: float | None


def shadow_claim(*, job: ShadowJob) -> bool:
    """Take one of the session's call slots before the draft runs; at a limit, end the session instead."""
    now = timezone.now()
    rows = ShadowSession.objects.filter(pk=job.active.session_id, status=Status.RUNNING)
    if rows.filter(calls__lt=F("max_calls"), ends_at__gt=now).update(calls=F("calls") + 1):
        return True
    session = rows.select_related("connection", "revision").first()
    if session is not None:
        limit = Status.COMPLETED if session.calls >= session.max_calls else Status.EXPIRED
        shadow_session_stop(session=session, by=None, status=limit)
    return False


def shadow_comparison_record(
    *, job: ShadowJob, status: str, value: Any, error: dict[str, Any], logs: list[dict], ms: float | None
) -> ShadowComparison:
    """Compare the draft's run with the real call, store it masked, and end the session at its call limit."""
    from .runtime import _without_credentials  # the flows' one rule for credential fields

    live = outcome_of(
        key=job.key, status=job.live_status, value=job.live_value, error=job.live_error, connection=job.connection
    )
    draft = outcome_of(key=job.key, status=status, value=value, error=error, connection=job.connection)
    agree = outcomes_agree(live, draft)
    if agree:  # the kind says it all; nothing personal kept
        live_kept, draft_kept, arguments, kept_logs = {"kind": live["kind"]}, {"kind": draft["kind"]}, [], []
    else:
        mask = Masker.for_run(
            configuration=job.configuration, plain_keys=job.plain_keys, passwords=BY_KEY[job.key].passwords(job.args)
        )
        live_kept, draft_kept = (_without_credentials(mask.value(o)) for o in (live, draft))
        arguments = _without_credentials(mask.value(job.args))
        kept_logs = [
            {"level": line.get("level"), "text": mask.text(str(line.get("text", "")))} for line in logs[:LOG_LINES_KEPT]
        ]
    with transaction.atomic():
        comparison = ShadowComparison.objects.create(
            session_id=job.active.session_id,
            script=job.key,
            agree=agree,
            live=live_kept,
            draft=draft_kept,
            arguments=arguments,
            draft_logs=kept_logs,
            live_ms=job.live_ms,
            draft_ms=ms,
        )
        if agree:
            ShadowSession.objects.filter(pk=job.active.session_id).update(agreed=F("agreed") + 1)
    session = ShadowSession.objects.select_related("connection", "revision").get(pk=job.active.session_id)
    if session.status == Status.RUNNING and session.calls >= session.max_calls:
        # Comparisons still running for earlier slots are recorded all the same; no new slot is given.
        shadow_session_stop(session=session, by=None, status=Status.COMPLETED)
    return comparison
