"""Reads of connections and their configuration."""

from django.db.models import Count, QuerySet

from . import crypto
from .models import AuditEvent, Connection


def connection_list(*, search: str = "") -> QuerySet[Connection]:
    qs = Connection.objects.annotate(variable_count=Count("variables"))
    if search:
        qs = qs.filter(name__icontains=search)
    return qs.order_by("name")


def connection_get(*, public_id: str) -> Connection:
    return Connection.objects.get(public_id=public_id)


def connection_events(*, connection: Connection, limit: int = 200) -> QuerySet[AuditEvent]:
    return connection.events.select_related("actor")[:limit]


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
