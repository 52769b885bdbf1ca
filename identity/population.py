"""How many users are left in the legacy store, and retiring it.

The admin gives Trickle the legacy population (a CSV of emails and/or user ids, optionally confirmed one by
one through the get_user script in the background); each listed user counts as migrated once the managed
store holds them (same email, or same user_id). When nobody is left (all migrated, imported, or accepted as
lost), "Use my own database" can be turned off: logins stop calling the scripts for good.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from connections_admin import services as connections
from connections_admin.models import AuditEvent, Connection
from scripts_editor.scripts import MANAGED

from . import logs
from .exceptions import FlowFailed
from .models import FlowEvent, LegacyUser, ManagedUser
from .profiles import profile_normalise
from .runtime import Flow

MAX_ROWS = 1_000_000


def _managed_match(connection: Connection, *, field_name: str):
    return ManagedUser.objects.filter(connection=connection, is_managed=True, **{field_name: OuterRef(field_name)})


def population_annotated(*, connection: Connection) -> QuerySet[LegacyUser]:
    """The population with `migrated` (the managed store holds them) on each row."""
    by_email = Exists(_managed_match(connection, field_name="email").exclude(email=""))
    by_id = Exists(_managed_match(connection, field_name="user_id"))
    return connection.legacy_population.annotate(migrated=(Q(by_email) & ~Q(email="")) | (Q(by_id) & ~Q(user_id="")))


def population_remaining(*, connection: Connection, include_lost: bool = False) -> QuerySet[LegacyUser]:
    """Listed users the managed store does not hold yet (those accepted as lost only with include_lost)."""
    qs = population_annotated(connection=connection).filter(migrated=False)
    return qs if include_lost else qs.filter(accepted_lost_at__isnull=True)


@dataclass
class PopulationSummary:
    total: int = 0
    migrated: int = 0
    remaining: int = 0
    lost: int = 0
    checked: int = 0
    not_found: int = 0
    labels: list[str] = field(default_factory=list)
    remaining_by_day: list[int] = field(default_factory=list)

    @property
    def percent(self) -> float:
        return round(100 * self.migrated / self.total, 1) if self.total else 0.0

    @property
    def walk_running(self) -> bool:
        return self.checked < self.total and self.checked > 0


def population_summary(*, connection: Connection, days: int = 14) -> PopulationSummary:
    """Counts and the day-by-day number still to migrate, in a few grouped queries."""
    rows = population_annotated(connection=connection)
    summary = PopulationSummary(total=rows.count())
    if not summary.total:
        return summary
    summary.migrated = rows.filter(migrated=True).count()
    summary.lost = rows.filter(migrated=False, accepted_lost_at__isnull=False).count()
    summary.remaining = summary.total - summary.migrated - summary.lost
    summary.checked = rows.filter(checked_at__isnull=False).count()
    summary.not_found = rows.filter(found=False).count()
    # When each listed user migrated: the matching managed user's migrated_at (or created_at, signed up here).
    when = ManagedUser.objects.filter(connection=connection, is_managed=True).filter(
        Q(email=OuterRef("email"), email__gt="") | Q(user_id=OuterRef("user_id"), user_id__gt="")
    )
    dated = rows.filter(migrated=True).annotate(
        day=TruncDate(Subquery(when.annotate(t=Coalesce("migrated_at", "created_at")).values("t")[:1]))
    )
    per_day: dict = {}
    for day in dated.values_list("day", flat=True):
        per_day[day] = per_day.get(day, 0) + 1
    today = timezone.localdate()
    span = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    done = sum(n for d, n in per_day.items() if d is not None and d < span[0])
    for day in span:
        done += per_day.get(day, 0)
        summary.labels.append(day.isoformat())
        summary.remaining_by_day.append(summary.total - done)
    return summary


def legacy_population_upload(
    *, connection: Connection, text: str, replace: bool, by: AbstractBaseUser | None
) -> tuple[int, list[str]]:
    """Add the users a CSV lists (columns `email` and/or `user_id`/`id`, or one value per line). Returns how
    many were new and the rows it could not read ("line N: why"). Raises ValidationError for an empty list."""
    reader = csv.reader(io.StringIO(text))
    rows = [r for r in reader if any(c.strip() for c in r)]
    if not rows:
        raise ValidationError({"file": "The file lists nobody."})
    if len(rows) > MAX_ROWS:
        raise ValidationError({"file": f"At most {MAX_ROWS:,} users per upload."})
    header = [c.strip().lower() for c in rows[0]]
    columns = {"email": header.index("email") if "email" in header else None}
    columns["user_id"] = next((header.index(h) for h in ("user_id", "id") if h in header), None)
    if columns["email"] is None and columns["user_id"] is None:
        columns, start = {}, 0  # no header: each value is an email (has an @) or a user id
    else:
        start = 1
    entries, problems, seen = [], [], set()
    for number, row in enumerate(rows[start:], start=start + 1):
        if columns:
            email = (
                row[columns["email"]].strip().lower()
                if columns["email"] is not None and columns["email"] < len(row)
                else ""
            )
            user_id = (
                row[columns["user_id"]].strip()
                if columns["user_id"] is not None and columns["user_id"] < len(row)
                else ""
            )
        else:
            value = row[0].strip()
            email, user_id = (value.lower(), "") if "@" in value else ("", value)
        if not email and not user_id:
            problems.append(f"line {number}: neither an email nor a user id")
            continue
        if email and ("@" not in email or len(email) > 254):
            problems.append(f"line {number}: {email[:60]!r} is not an email")
            continue
        key = email or f"id:{user_id}"
        if key in seen:
            continue
        seen.add(key)
        entries.append(LegacyUser(connection=connection, email=email, user_id=user_id[:255]))
    with transaction.atomic():
        if replace:
            connection.legacy_population.all().delete()
        before = connection.legacy_population.count()
        LegacyUser.objects.bulk_create(entries, ignore_conflicts=True, batch_size=2000)
        added = connection.legacy_population.count() - before
        connections.audit_event_record(
            connection=connection,
            action=AuditEvent.Action.USER_EVENT,
            by=by,
            detail={
                "flow": "population",
                "outcome": "uploaded",
                "added": added,
                "replace": replace,
                "unreadable": len(problems),
            },
        )
    return added, problems


def legacy_population_walk(*, connection_id: int, batch: int = 25) -> int:
    """Ask get_user about each listed user not asked yet (rows are claimed, so two workers share the work);
    records whether the legacy store knows them and the user_id it answers. Returns how many were asked.

    Nothing is written to the managed store and no flow is recorded per user."""
    connection = Connection.objects.get(pk=connection_id)
    asked = 0
    while True:
        ids = list(
            connection.legacy_population.filter(checked_at__isnull=True)
            .exclude(email="")
            .values_list("pk", flat=True)[:batch]
        )
        claimed = LegacyUser.objects.filter(pk__in=ids, checked_at__isnull=True)
        rows = list(claimed)
        if not rows or not claimed.update(checked_at=timezone.now()):
            return asked
        for row in rows:
            flow = Flow(connection=connection, kind=FlowEvent.Flow.LOGIN, identifier=row.email)
            try:
                raw = flow.run("get_user", [row.email])
                profile = profile_normalise(raw, connection=connection) if raw is not None else None
            except FlowFailed as e:
                if e.reason in ("script_not_implemented", "scriptd_unavailable"):
                    LegacyUser.objects.filter(pk__in=[r.pk for r in rows if r.found is None]).update(checked_at=None)
                    raise
                asked += 1  # the store could not say (an error, a timeout): left unknown, not retried
                continue
            row.found = profile is not None
            if profile is not None and not row.user_id:
                row.user_id = profile.user_id
            row.source = LegacyUser.Source.GET_USER if row.found else row.source
            LegacyUser.objects.filter(pk=row.pk).update(found=row.found, user_id=row.user_id, source=row.source)
            asked += 1


def legacy_population_walk_start(*, connection: Connection, by: AbstractBaseUser | None) -> int:
    """Queue the get_user walk over the listed users not asked yet. Returns how many are waiting."""
    if connection.mode == MANAGED:
        raise ValidationError("The connection does not use its own database: there is no get_user to ask.")
    waiting = connection.legacy_population.filter(checked_at__isnull=True).exclude(email="").count()
    if waiting:
        from .tasks import legacy_population_walk_task  # tasks import this module

        transaction.on_commit(lambda: legacy_population_walk_task.delay(connection.pk))
        connections.audit_event_record(
            connection=connection,
            action=AuditEvent.Action.USER_EVENT,
            by=by,
            detail={"flow": "population", "outcome": "walk_started", "waiting": waiting},
        )
    return waiting


def population_accept_lost(*, connection: Connection, by: AbstractBaseUser | None) -> int:
    """The admin gives up on the users still to migrate (they will have to sign up again)."""
    ids = list(population_remaining(connection=connection).values_list("pk", flat=True))
    n = LegacyUser.objects.filter(pk__in=ids).update(accepted_lost_at=timezone.now())
    connections.audit_event_record(
        connection=connection,
        action=AuditEvent.Action.USER_EVENT,
        by=by,
        detail={"flow": "population", "outcome": "accepted_lost", "users": n},
    )
    return n


def legacy_store_retire(*, connection: Connection, by: AbstractBaseUser | None) -> dict:
    """Turn off "Use my own database" once nobody listed is left; returns (and audits) the final summary.

    Raises ValidationError while users remain, or when no population was given (nobody could tell)."""
    summary = population_summary(connection=connection)
    if connection.mode == MANAGED:
        raise ValidationError("The legacy store is already retired: the connection does not use its own database.")
    if not summary.total:
        raise ValidationError("Give Trickle the legacy population first, so it can tell whether anyone is left.")
    if summary.remaining:
        raise ValidationError(
            f"{summary.remaining} listed users have not migrated: import them or accept them as lost first."
        )
    last_legacy = (
        connection.flow_events.filter(succeeded=True)
        .exclude(path=FlowEvent.Path.MANAGED)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    final = {
        "population": summary.total,
        "migrated": summary.migrated,
        "accepted_lost": summary.lost,
        "imported": connection.managed_users.filter(is_managed=True, password__startswith="imported$").count(),
        "managed_users": connection.managed_users.filter(is_managed=True).count(),
        "last_legacy_answer": last_legacy.isoformat() if last_legacy else None,
    }
    with transaction.atomic():
        connections.connection_update(connection=connection, by=by, use_own_database=False, import_users=False)
        connections.audit_event_record(
            connection=connection,
            action=AuditEvent.Action.USER_EVENT,
            by=by,
            detail={"flow": "population", "outcome": "legacy_store_retired", **final},
        )
        logs.log_record(
            type="sapi",
            description="Legacy store retired: logins no longer call the scripts",
            connection=connection,
            details={"action": "retire_legacy_store", **final},
            actor=by,
        )
    return final
