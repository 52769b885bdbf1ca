"""Every write to connections, their configuration and their audit trail goes through here."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from scriptd_client import limits, masking

from . import crypto
from .auth0_shape import egress_entry_problem
from .exceptions import StaleConnection
from .models import (
    MAX_CONFIG_KEY_LENGTH,
    MAX_NAME_LENGTH,
    MAX_VARIABLE_VALUE_LENGTH,
    MAX_VARIABLES_PER_CONNECTION,
    AuditEvent,
    ConfigurationVariable,
    Connection,
    config_key_validator,
    name_validator,
)

# Fields an admin may change after creation (name and strategy are fixed, as in Auth0), in the order forms show them.
UPDATABLE_FIELD_ORDER = (
    "display_name",
    "use_own_database",
    "import_users",
    "requires_username",
    "enable_script_context",
    "legacy_globals",
    "egress_allowlist",
    "script_timeout_s",
)
UPDATABLE_FIELDS = frozenset(UPDATABLE_FIELD_ORDER)


def audit_event_record(
    *,
    connection: Connection | None,
    action: str,
    by: AbstractBaseUser | None,
    detail: dict | None = None,
    connection_name: str = "",
) -> AuditEvent:
    """Append one audit row. Callers must never put a secret value in `detail`."""
    actor = by if by is not None and by.is_authenticated else None
    return AuditEvent.objects.create(
        connection=connection,
        connection_name=connection_name or (connection.name if connection else ""),
        actor=actor,
        actor_label=actor.get_username() if actor else "system",
        action=action,
        detail=detail or {},
    )


BOOLEAN_FIELDS = {"use_own_database", "import_users", "requires_username", "enable_script_context", "legacy_globals"}

# The validators below are the rules for a connection's name, settings and configuration. The dashboard's
# forms, the API's serializers and connections-as-code call them and show their errors in their own shape;
# each raises one ValidationError holding every problem at once, keyed by the model's field names.


def connection_name_validate(*, name: object) -> None:
    """Raise ValidationError({'name': [...]}) unless `name` follows Auth0's rule for connection names."""
    if not isinstance(name, str) or not name:
        raise ValidationError({"name": "A name is required."})
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError({"name": f"At most {MAX_NAME_LENGTH} characters."})
    try:
        name_validator(name)
    except ValidationError as e:
        raise ValidationError({"name": e.messages}) from e


def connection_settings_validate(*, fields: dict[str, Any], connection: Connection | None = None) -> None:
    """Raise ValidationError({field: [...]}) listing every problem with `fields`, the settings a connection
    would have (for an existing `connection`, only the fields that change need be given)."""
    if connection is not None:
        stored = {f: getattr(connection, f) for f in UPDATABLE_FIELDS}
        fields = stored | fields
    errors: dict[str, list[str]] = {}
    display_name = fields.get("display_name", "")
    if not isinstance(display_name, str) or len(display_name) > MAX_NAME_LENGTH:
        errors["display_name"] = [f"Text of at most {MAX_NAME_LENGTH} characters."]
    for name in BOOLEAN_FIELDS & set(fields):
        if not isinstance(fields[name], bool):
            errors[name] = ["Must be true or false."]
    timeout = fields.get("script_timeout_s")
    if timeout is not None and (
        type(timeout) is not int or not limits.TIMEOUT_MIN_S <= timeout <= limits.TIMEOUT_MAX_S
    ):
        errors["script_timeout_s"] = [
            f"A whole number of seconds from {limits.TIMEOUT_MIN_S} to {limits.TIMEOUT_MAX_S}."
        ]
    allowlist = fields.get("egress_allowlist") or []
    if not isinstance(allowlist, list):
        errors["egress_allowlist"] = ['A list of "host:port" entries.']
    elif problems := [p for e in allowlist if (p := egress_entry_problem(e))]:
        errors["egress_allowlist"] = problems
    if fields.get("import_users") is True and fields.get("use_own_database", False) is False:
        # Import only makes sense when scripts reach a legacy store; keep the pair consistent.
        errors["import_users"] = ['Import users needs "Use my own database" on.']
    if connection is not None and connection.enable_script_context and fields["enable_script_context"] is False:
        errors["enable_script_context"] = ["The context object cannot be turned off once on."]
    if errors:
        raise ValidationError(errors)


def connection_validate_create(*, name: str, **fields: Any) -> None:
    """Raise ValidationError when a connection with this name and these settings may not be created."""
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise TypeError(f"unknown connection fields: {sorted(unknown)}")
    errors = {}
    for check in (
        lambda: connection_name_validate(name=name),
        lambda: connection_settings_validate(fields=fields),
    ):
        try:
            check()
        except ValidationError as e:
            errors |= e.message_dict
    if not errors and Connection.objects.filter(name__iexact=name).exists():
        errors["name"] = [f"A connection named {name!r} already exists."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def connection_create(*, name: str, by: AbstractBaseUser | None, display_name: str = "", **fields: Any) -> Connection:
    """Create a connection. A bad or taken name raises ValidationError({'name': ...})."""
    connection_validate_create(name=name, display_name=display_name, **fields)
    try:
        with transaction.atomic():
            connection = Connection.objects.create(name=name, display_name=display_name, **fields)
    except IntegrityError as e:  # lost a race with another create of the same name
        raise ValidationError({"name": f"A connection named {name!r} already exists."}) from e
    audit_event_record(
        connection=connection,
        action=AuditEvent.Action.CONNECTION_CREATED,
        by=by,
        detail={"display_name": display_name, **{k: v for k, v in fields.items()}},
    )
    return connection


def connection_validate_update(*, connection: Connection, **fields: Any) -> None:
    """Raise ValidationError when `fields` may not be applied to `connection` (nothing is written)."""
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise TypeError(f"unknown connection fields: {sorted(unknown)}")
    connection_settings_validate(fields=fields, connection=connection)


@transaction.atomic
def connection_update(
    *, connection: Connection, by: AbstractBaseUser | None, expected_version: int | None = None, **fields: Any
) -> Connection:
    """Change settings; records which fields changed from what to what. Unchanged values write nothing.

    With `expected_version` (the version the editor loaded), a change made since raises StaleConnection
    instead of being overwritten; the conditional UPDATE decides, so two simultaneous saves cannot both pass.
    """
    stored = Connection.objects.select_for_update().get(pk=connection.pk)
    if expected_version is not None and stored.version != expected_version:
        raise StaleConnection(current_version=stored.version, expected_version=expected_version)
    connection_validate_update(connection=stored, **fields)
    changes = {f: [getattr(stored, f), v] for f, v in fields.items() if getattr(stored, f) != v}
    if not changes:
        return stored
    updated = Connection.objects.filter(pk=stored.pk, version=stored.version).update(
        version=F("version") + 1, updated_at=timezone.now(), **{f: new for f, (_, new) in changes.items()}
    )
    if not updated:  # only reachable where select_for_update is a no-op (SQLite serialises writers anyway)
        raise StaleConnection(current_version=stored.version + 1, expected_version=stored.version)
    stored.refresh_from_db()
    connection.__dict__.update({f: getattr(stored, f) for f in [*changes, "version", "updated_at"]})
    audit_event_record(
        connection=stored, action=AuditEvent.Action.CONNECTION_UPDATED, by=by, detail={"changes": changes}
    )
    return stored


@transaction.atomic
def connection_delete(*, connection: Connection, by: AbstractBaseUser | None) -> None:
    """Delete a connection with its variables (and, through cascades, its scripts, runs and users)."""
    name, public_id = connection.name, connection.public_id
    connection.delete()
    audit_event_record(
        connection=None,
        connection_name=name,
        action=AuditEvent.Action.CONNECTION_DELETED,
        by=by,
        detail={"id": public_id},
    )


def connection_touch(*, connection: Connection) -> None:
    """Record that the connection's scripts or configuration changed: `updated_at` is the list's "last
    change" and the key under which login flows cache the decrypted configuration and current scripts."""
    connection.updated_at = timezone.now()
    Connection.objects.filter(pk=connection.pk).update(updated_at=connection.updated_at)


def configuration_variable_validate(*, key: object, value: object) -> None:
    """Raise ValidationError({'key': [...], 'value': [...]}) unless `key` may hold `value`."""
    errors = {}
    if not isinstance(key, str) or not key or len(key) > MAX_CONFIG_KEY_LENGTH:
        errors["key"] = [f"Between 1 and {MAX_CONFIG_KEY_LENGTH} characters."]
    else:
        try:
            config_key_validator(key)
        except ValidationError as e:
            errors["key"] = e.messages
    if not isinstance(value, str) or len(value) > MAX_VARIABLE_VALUE_LENGTH:
        errors["value"] = [f"Text of at most {MAX_VARIABLE_VALUE_LENGTH} characters."]
    if errors:
        raise ValidationError(errors)


def configuration_count_validate(*, count: int) -> None:
    """Raise ValidationError({'key': ...}) when a connection would hold `count` variables, too many."""
    if count > MAX_VARIABLES_PER_CONNECTION:
        raise ValidationError({"key": f"A connection holds at most {MAX_VARIABLES_PER_CONNECTION} variables."})


def configuration_value_warnings(*, key: str, value: str, plain: bool) -> list[str]:
    """What to tell whoever saves this value (the dashboard, the API and imports say the same)."""
    if plain or not value or not masking.is_short(value):
        return []
    return [
        f"{key} is shorter than {masking.WHOLE_TOKEN_BELOW} characters: as a secret it is masked in run output "
        "only where it stands alone as a word, never inside longer words (that would mangle the text and give "
        "it away). Use a longer value, or mark it plain if it is not a secret."
    ]


@transaction.atomic
def configuration_variable_set(
    *, connection: Connection, key: str, value: str, by: AbstractBaseUser | None, plain: bool = False
) -> ConfigurationVariable:
    """Create or replace a variable, secret (the default) or plain. The value is encrypted here and never
    recorded anywhere else. Setting the value and the flag it already has writes nothing."""
    configuration_variable_validate(key=key, value=value)
    # Lock the connection row so two admins adding the 100th variable cannot both succeed.
    Connection.objects.select_for_update().filter(pk=connection.pk).first()
    variable = ConfigurationVariable.objects.filter(connection=connection, key=key).first()
    if variable is None:
        configuration_count_validate(count=connection.variables.count() + 1)
        variable = ConfigurationVariable(connection=connection, key=key)
    elif variable.plain == plain and crypto.decrypt(variable.value_encrypted) == value:
        return variable
    replaced = variable.pk is not None
    variable.value_encrypted = crypto.encrypt(value)
    variable.plain = plain
    variable.updated_by = by if by is not None and by.is_authenticated else None
    variable.save()
    connection_touch(connection=connection)
    audit_event_record(
        connection=connection,
        action=AuditEvent.Action.VARIABLE_SET,
        by=by,
        detail={"key": key, "replaced": replaced, "plain": plain},
    )
    return variable


@transaction.atomic
def configuration_variable_make_secret(
    *, connection: Connection, key: str, by: AbstractBaseUser | None
) -> ConfigurationVariable:
    """Turn a plain variable into a secret, keeping its value. (The other way round needs the value set
    again with plain=True: marking alone would reveal a stored secret.) Already secret: nothing changes."""
    variable = ConfigurationVariable.objects.select_for_update().filter(connection=connection, key=key).first()
    if variable is None:
        raise ValidationError({"key": f"There is no variable {key}."})
    if variable.plain:
        variable.plain = False
        variable.updated_by = by if by is not None and by.is_authenticated else None
        variable.save(update_fields=["plain", "updated_by", "updated_at"])
        connection_touch(connection=connection)
        audit_event_record(
            connection=connection,
            action=AuditEvent.Action.VARIABLE_SET,
            by=by,
            detail={"key": key, "replaced": True, "plain": False},
        )
    return variable


@transaction.atomic
def configuration_variable_remove(*, connection: Connection, key: str, by: AbstractBaseUser | None) -> bool:
    """Remove a variable; returns False (and records nothing) when there was none."""
    deleted, _ = ConfigurationVariable.objects.filter(connection=connection, key=key).delete()
    if deleted:
        connection_touch(connection=connection)
        audit_event_record(connection=connection, action=AuditEvent.Action.VARIABLE_REMOVED, by=by, detail={"key": key})
    return bool(deleted)


def configuration_reencrypt_all() -> int:
    """Re-encrypt every value under the first key of TRICKLE_ENCRYPTION_KEYS; returns how many."""
    count = 0
    with transaction.atomic():
        for variable in ConfigurationVariable.objects.select_for_update().only("pk", "value_encrypted"):
            variable.value_encrypted = crypto.reencrypt(variable.value_encrypted)
            variable.save(update_fields=["value_encrypted"])
            count += 1
    return count
