"""Applies Auth0-shaped connection bodies through the apps' own services, all or nothing.

The API is a layer over connections_admin and scripts_editor: every write here is one of their
services, so the dashboard and the API share one path for each change.
"""

from django.db import transaction

from connections_admin import services as connections
from connections_admin.auth0_shape import OPTION_FIELDS
from connections_admin.exceptions import StaleConnection
from connections_admin.models import Connection
from identity import circuit
from scripts_editor import selectors as script_selectors
from scripts_editor import services as scripts
from scripts_editor.scripts import SCRIPT_KEYS

from .errors import ApiError


def current_revision_number(connection: Connection) -> int:
    return script_selectors.script_revision_current(connection=connection).number


def _apply_configuration(connection: Connection, configuration: dict[str, str | None], by) -> None:
    for key, value in configuration.items():
        if value is None:
            connections.configuration_variable_remove(connection=connection, key=key, by=by)
        else:
            connections.configuration_variable_set(connection=connection, key=key, value=value, by=by)


def _checked_scripts(connection: Connection, options: dict) -> scripts.CheckedScripts:
    """The wanted bodies, linted before any transaction opens (saving identical scripts stores nothing).

    `options` replaces the stored options as a whole, so absent script keys mean empty scripts.
    """
    wanted = {key: options.get("customScripts", {}).get(key, "") for key in SCRIPT_KEYS}
    return scripts.scripts_check(connection=connection, scripts=wanted)


def _save_scripts(connection: Connection, checked: scripts.CheckedScripts | None, base: int, by) -> None:
    if checked is not None:
        scripts.scripts_save(
            connection=connection, scripts=checked, base_number=base, by=by, message="Saved through the API"
        )


def connection_create_from_api(*, data: dict, by) -> Connection:
    options = data.get("options") or {}
    fields = {OPTION_FIELDS[k]: v for k, v in options.items() if k in OPTION_FIELDS}
    if Connection.objects.filter(name__iexact=data["name"]).exists():
        raise ApiError(f"A connection named {data['name']!r} already exists.", status_code=409)
    # Checked against an unsaved stand-in, so the slow lint runs before the transaction opens.
    draft = Connection(name=data["name"], **fields)
    checked = _checked_scripts(draft, options) if "customScripts" in options else None
    with transaction.atomic():
        connection = connections.connection_create(
            name=data["name"], display_name=data.get("display_name", ""), by=by, **fields
        )
        _apply_configuration(connection, options.get("configuration") or {}, by)
        if options.get("trickle_circuit_breaker"):
            circuit.circuit_configure(connection=connection, overrides=options["trickle_circuit_breaker"], by=by)
        _save_scripts(connection, checked, 0, by)
    return connection


def connection_patch_from_api(
    *, connection: Connection, data: dict, if_match: tuple[int, int] | None, by
) -> Connection:
    """PATCH: `options` replaces the stored options as a whole, except `configuration`, which only
    changes the keys it names. If-Match names (script revision, settings version) as the ETag gave them;
    when either moved on, nothing changes: 412.
    """
    for fixed in ("name", "strategy"):
        if fixed in data and data[fixed] != getattr(connection, fixed):
            raise ApiError(f"{fixed} cannot be changed.", status_code=400)
    checked = _checked_scripts(connection, data["options"]) if "options" in data else None
    fields = {"display_name": data["display_name"]} if "display_name" in data else {}
    if "options" in data:
        fields |= {field: data["options"][key] for key, field in OPTION_FIELDS.items() if key in data["options"]}
    with transaction.atomic():
        # Lock the row so the If-Match check and the writes see one state.
        connection = Connection.objects.select_for_update().get(pk=connection.pk)
        base = current_revision_number(connection)
        if if_match is not None and if_match != (base, connection.version):
            raise ApiError(
                f'The connection changed since that ETag: it is now "{base}.{connection.version}".', status_code=412
            )
        try:
            connections.connection_update(connection=connection, by=by, **fields)
        except StaleConnection as e:  # unreachable under the row lock; kept so a future change cannot 500
            raise ApiError(str(e), status_code=412) from e
        if "options" in data:
            _apply_configuration(connection, data["options"].get("configuration") or {}, by)
            # Replaced as a whole like the other options: absent thresholds go back to the defaults.
            overrides = data["options"].get("trickle_circuit_breaker") or {}
            circuit.circuit_configure(connection=connection, overrides=overrides, by=by)
            _save_scripts(connection, checked, base, by)
    return connection
