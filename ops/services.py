"""Retention: delete what is older than the TRICKLE_RETENTION_* ages, in batches so no long transaction
holds locks on a busy database, reporting progress as it goes."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

from connections_admin.models import AuditEvent
from identity.models import FlowEvent, LogEvent
from scripts_editor.as_code.upload import import_uploads_expired_delete
from scripts_editor.models import ScriptRun, ScriptTestSuiteRun


@dataclass(frozen=True)
class RetentionTarget:
    name: str  # a key of settings.RETENTION_DAYS
    label: str
    rows: Callable[[datetime], QuerySet]  # the rows older than the cutoff


TARGETS = (
    RetentionTarget("login_events", "login events", lambda cutoff: FlowEvent.objects.filter(at__lt=cutoff)),
    # Only finished runs: a queued or running one belongs to the sweep, whatever its age.
    RetentionTarget(
        "script_runs",
        "script runs",
        lambda cutoff: ScriptRun.objects.filter(created_at__lt=cutoff, status__in=ScriptRun.DONE),
    ),
    RetentionTarget(
        "test_suite_runs",
        "test suite runs",
        lambda cutoff: ScriptTestSuiteRun.objects.filter(created_at__lt=cutoff, status__in=ScriptTestSuiteRun.DONE),
    ),
    RetentionTarget("audit_events", "audit rows", lambda cutoff: AuditEvent.objects.filter(created_at__lt=cutoff)),
    RetentionTarget("logs", "log events", lambda cutoff: LogEvent.objects.filter(date__lt=cutoff)),
    # Sessions by their expiry: a session is "old" once it expired (plus the configured days).
    RetentionTarget("sessions", "sessions", lambda cutoff: Session.objects.filter(expire_date__lt=cutoff)),
)


def _batches_delete(rows: QuerySet, *, batch_size: int, on_batch: Callable[[int], None]) -> int:
    deleted = 0
    model = rows.model
    while True:
        ids = list(rows.order_by().values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        # Counted by the rows of this model only (a script run's lines go with it).
        deleted += model.objects.filter(pk__in=ids).delete()[1].get(model._meta.label, 0)
        on_batch(deleted)


def retention_prune(
    *,
    now: datetime | None = None,
    batch_size: int | None = None,
    dry_run: bool = False,
    progress: Callable[[str, int, bool], None] = lambda label, count, done: None,
) -> dict[str, int]:
    """Delete, per target, the rows older than its retention age (0 days keeps forever, except for
    sessions, where 0 means "once expired"). Returns {target: rows deleted, or that would be with dry_run}.
    `progress(label, count so far, done)` is called after every batch and once at the end of each target."""
    now = now or timezone.now()
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    counts = {}
    for target in TARGETS:
        days = settings.RETENTION_DAYS[target.name]
        if days <= 0 and target.name != "sessions":
            continue
        rows = target.rows(now - timedelta(days=days))
        if dry_run:
            counts[target.name] = rows.count()
        else:
            counts[target.name] = _batches_delete(
                rows, batch_size=batch_size, on_batch=lambda n, label=target.label: progress(label, n, False)
            )
        progress(target.label, counts[target.name], True)
    if not dry_run:
        counts["import_uploads"] = import_uploads_expired_delete()
    return counts
