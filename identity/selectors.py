"""Reads of the managed store and of the flows' record: the users list and the migration progress."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from connections_admin.models import Connection

from .models import FlowEvent, LogEvent, ManagedUser

Path = FlowEvent.Path


def managed_user_list(*, connection: Connection, search: str = "") -> QuerySet[ManagedUser]:
    """The connection's users, newest login first; `search` matches email, username or user_id."""
    qs = connection.managed_users.defer("identity", "password")  # tokens and hashes never reach a list
    if search:
        qs = qs.filter(Q(email__icontains=search) | Q(username__icontains=search) | Q(user_id__icontains=search))
    return qs.order_by(F("last_login").desc(nulls_last=True), "email", "pk")


@dataclass
class Progress:
    """Day by day over `days`: users migrated (cumulative), logins answered by each store, failures by reason."""

    days: list[date]
    migrated_total: list[int]
    logins_local: list[int]
    logins_legacy: list[int]
    failures: dict[str, list[int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)

    def chart_data(self) -> dict:
        return {
            "labels": [d.isoformat() for d in self.days],
            "migrated_total": self.migrated_total,
            "logins_local": self.logins_local,
            "logins_legacy": self.logins_legacy,
            "failures": self.failures,
            "totals": self.totals,
        }


def migration_progress(*, connection: Connection, days: int = 14) -> Progress:
    """Three grouped queries, whatever the number of users and logins.

    The dashboard's Try connection logins (FlowEvent.from_try) are an admin testing, not end-user traffic:
    they and the users they migrated stay out of the trends and are counted apart (`totals["try_*"]`)."""
    today = timezone.localdate()
    span = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    since = timezone.make_aware(timezone.datetime.combine(span[0], timezone.datetime.min.time()))
    index = {d: i for i, d in enumerate(span)}

    migrated_by_try = connection.flow_events.filter(
        flow=FlowEvent.Flow.LOGIN, from_try=True, succeeded=True, path=Path.MIGRATED, user__isnull=False
    ).values("user")
    users = connection.managed_users.exclude(pk__in=migrated_by_try)
    migrated_before = users.filter(migrated_at__lt=since).count()
    migrated = [0] * days
    for row in (
        users.filter(migrated_at__gte=since)
        .annotate(day=TruncDate("migrated_at"))
        .values("day")
        .annotate(n=Count("pk"))
    ):
        if row["day"] in index:
            migrated[index[row["day"]]] += row["n"]
    running, migrated_total = migrated_before, []
    for n in migrated:
        running += n
        migrated_total.append(running)

    local, legacy, failures, try_logins, try_migrated = [0] * days, [0] * days, {}, 0, 0
    for row in (
        connection.flow_events.filter(flow=FlowEvent.Flow.LOGIN, at__gte=since)
        .annotate(day=TruncDate("at"))
        .values("day", "succeeded", "path", "reason", "from_try")
        .annotate(n=Count("pk"))
    ):
        i = index.get(row["day"])
        if i is None:
            continue
        if row["from_try"]:
            try_logins += row["n"]
            try_migrated += row["n"] if row["succeeded"] and row["path"] == Path.MIGRATED else 0
        elif not row["succeeded"]:
            failures.setdefault(row["reason"], [0] * days)[i] += row["n"]
        elif row["path"] == Path.MANAGED:
            local[i] += row["n"]
        else:  # legacy mode, or migrated by this very login
            legacy[i] += row["n"]
    totals = {
        "migrated": running,
        "logins_local": sum(local),
        "logins_legacy": sum(legacy),
        "failures": sum(sum(v) for v in failures.values()),
        "try_logins": try_logins,
        "try_migrated": try_migrated,
    }
    return Progress(
        days=span,
        migrated_total=migrated_total,
        logins_local=local,
        logins_legacy=legacy,
        failures=dict(sorted(failures.items())),
        totals=totals,
    )


def log_list(
    *,
    types: list[str] | None = None,
    user: str = "",
    connection: str = "",
    date_from=None,
    date_to=None,
) -> QuerySet[LogEvent]:
    """The log, newest first. `user` matches a user_id exactly or a user name (email, username) partly;
    `connection` is a connection's name; dates bound `date` inclusively."""
    qs = LogEvent.objects.select_related("connection")
    if types:
        qs = qs.filter(type__in=types)
    if user:
        qs = qs.filter(Q(user_id=user) | Q(user_id=f"auth0|{user}") | Q(user_name__icontains=user))
    if connection:
        qs = qs.filter(connection_name=connection)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return qs.order_by("-id")


def user_login_history(*, user: ManagedUser, limit: int = 25) -> list[FlowEvent]:
    """The user's latest flows: those that found them, and failed logins typed with their email or username."""
    typed = Q(identifier__iexact=user.email) if user.email else Q(pk__in=[])
    if user.username:
        typed |= Q(identifier=user.username)
    return list(
        user.connection.flow_events.filter(Q(user=user) | typed).defer("script_runs").order_by("-at", "-id")[:limit]
    )


def users_by_api_id(*, user_id: str, connection: str = "") -> list[ManagedUser]:
    """The stored users an API id names (`auth0|<user_id>` or the bare id), in `connection` if given."""
    if "\x00" in user_id or "\x00" in connection:  # no stored id or name holds one, and PostgreSQL refuses it
        return []
    ids = {user_id, user_id.removeprefix("auth0|")}
    qs = ManagedUser.objects.filter(user_id__in=ids).select_related("connection")
    if connection:
        qs = qs.filter(connection__name=connection)
    return list(qs[:2])
