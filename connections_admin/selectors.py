"""Reads of connections and their configuration."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from . import crypto
from .models import AuditEvent, Connection


def connection_list(*, search: str = "") -> QuerySet[Connection]:
    qs = Connection.objects.annotate(variable_count=Count("variables"))
    if search:
        qs = qs.filter(name__icontains=search)
    return qs.order_by("name")


CONNECTIONS_PER_PAGE = 25


def connection_page(*, search: str = "", page: str | int | None = 1) -> Page:
    """One page of the list; a page number past the end (or not a number) gives the nearest valid page."""
    return Paginator(connection_list(search=search), CONNECTIONS_PER_PAGE).get_page(page)


def connection_get(*, public_id: str) -> Connection:
    return Connection.objects.get(public_id=public_id)


def _try_events(qs: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    """Admins testing: the dashboard's Try connection logins (marked by identity's Flow) and script Try runs."""
    return qs.filter(Q(detail__try_connection=True) | Q(action=AuditEvent.Action.SCRIPT_TRIED))


def connection_events(*, connection: Connection, include_tries: bool = False, limit: int = 200) -> QuerySet[AuditEvent]:
    """The connection's activity, newest first; tests from the dashboard only when asked for (they flood it)."""
    qs = connection.events.all()
    if not include_tries:
        qs = qs.exclude(pk__in=_try_events(connection.events.all()).values("pk"))
    return qs.select_related("actor")[:limit]


def connection_try_event_count(*, connection: Connection) -> int:
    return _try_events(connection.events.all()).count()


def configuration_for_run(*, connection: Connection) -> dict[str, str]:
    """The decrypted `configuration` object a script sees. Only the sandbox client may receive it."""
    return {v.key: crypto.decrypt(v.value_encrypted) for v in connection.variables.all()}


def configuration_plain_keys(*, connection: Connection) -> frozenset[str]:
    """The keys whose values are not secret: runs never mask them (scriptd_client.masking)."""
    return frozenset(connection.variables.filter(plain=True).values_list("key", flat=True))


def configuration_for_run_with_plain_keys(*, connection: Connection) -> tuple[dict[str, str], frozenset[str]]:
    """Both of the above from one read, so a run masks exactly the values it was given."""
    variables = list(connection.variables.all())
    return (
        {v.key: crypto.decrypt(v.value_encrypted) for v in variables},
        frozenset(v.key for v in variables if v.plain),
    )
