"""Applies Auth0-shaped connection bodies through the apps' own services, all or nothing.

The API is a layer over connections_admin and scripts_editor: every write here is one of their
services, so the dashboard and the API share one path for each change.
"""

from django.db import transaction

from connections_admin import services as connections
from connections_admin.auth0_shape import OPTION_FIELDS
from connections_admin.models import Connection
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


def _apply_scripts(connection: Connection, custom_scripts: dict[str, str], base: int, by) -> None:
    """Save a new revision when the bodies differ from the current ones (absent keys mean empty)."""
    wanted = {key: custom_scripts.get(key, "") for key in SCRIPT_KEYS}
    if script_selectors.script_revision_current(connection=connection).scripts == wanted:
        return
    scripts.scripts_save(connection=connection, scripts=wanted, base_number=base, by=by, message="Saved through the API")


@transaction.atomic
def connection_create_from_api(*, data: dict, by) -> Connection:
    options = data.get("options") or {}
    fields = {OPTION_FIELDS[k]: v for k, v in options.items() if k in OPTION_FIELDS}
    if Connection.objects.filter(name__iexact=data["name"]).exists():
        raise ApiError(f"A connection named {data['name']!r} already exists.", status_code=409)
    connection = connections.connection_create(name=data["name"], display_name=data.get("display_name", ""), by=by,
                                               **fields)
    _apply_configuration(connection, options.get("configuration") or {}, by)
    if "customScripts" in options:
        _apply_scripts(connection, options["customScripts"], current_revision_number(connection), by)
    return connection


@transaction.atomic
def connection_patch_from_api(*, connection: Connection, data: dict, if_match: int | None, by) -> Connection:
    """PATCH: `options` replaces the stored options as a whole, except `configuration`, which only
    changes the keys it names. A stale If-Match (another revision was saved) changes nothing: 412.
    """
    # Lock the row so the If-Match check and the writes see one state.
    connection = Connection.objects.select_for_update().get(pk=connection.pk)
    base = current_revision_number(connection)
    if if_match is not None and if_match != base:
        raise ApiError(f"The connection changed: its current revision is {base}, not {if_match}.", status_code=412)
    for fixed in ("name", "strategy"):
        if fixed in data and data[fixed] != getattr(connection, fixed):
            raise ApiError(f"{fixed} cannot be changed.", status_code=400)
    fields = {}
    if "display_name" in data:
        fields["display_name"] = data["display_name"]
    if "options" in data:
        options = data["options"]
        fields |= {field: options[key] for key, field in OPTION_FIELDS.items() if key in options}
    connections.connection_update(connection=connection, by=by, **fields)
    if "options" in data:
        _apply_configuration(connection, data["options"].get("configuration") or {}, by)
        _apply_scripts(connection, data["options"].get("customScripts") or {}, base, by)
    return connection
