"""Applies Auth0-shaped connection bodies through the apps' own services, all or nothing.

The API is a layer over connections_admin and scripts_editor: every write here is one of their
services, so the dashboard and the API share one path for each change.
"""

from django.db import transaction

from connections_admin import services as connections
from connections_admin.auth0_shape import OPTION_FIELDS, PLAIN_CONFIGURATION_OPTION
from connections_admin.crypto import MASK
from connections_admin.exceptions import StaleConnection
from connections_admin.models import Connection
from identity import circuit
from scripts_editor import deploy
from scripts_editor import selectors as script_selectors
from scripts_editor import services as scripts
from scripts_editor.models import ScriptRevision
from scripts_editor.scripts import SCRIPT_KEYS

from .errors import ApiError


def current_revision_number(connection: Connection) -> int:
    return script_selectors.script_revision_current(connection=connection).number


def _apply_configuration(
    connection: Connection, configuration: dict[str, str | None], plain_keys: list[str] | None, by
) -> list[str]:
    """Set and remove the keys `configuration` names. `plain_keys` (options.trickle_plain_configuration), when
    given, is every key that is plain afterwards; absent, a key keeps its flag (a new key is secret).
    Returns the warnings for the caller. A secret sent back as the read's mask keeps its value, so a
    read-modify-write cycle changes nothing it did not mean to. Making a secret plain needs its value:
    marking alone would reveal it."""
    stored = {v.key: v for v in connection.variables.all()}
    kept_secret = {k for k, v in configuration.items() if v == MASK and k in stored and not stored[k].plain}
    being_set = {k for k, v in configuration.items() if v is not None and k not in kept_secret}
    plain = None if plain_keys is None else set(plain_keys)
    if plain is not None:
        problems = []
        for key in sorted(plain - being_set):
            if key not in stored or configuration.get(key, "") is None:
                problems.append(f"trickle_plain_configuration: {key} is not a configuration key.")
            elif not stored[key].plain:
                problems.append(
                    f"trickle_plain_configuration: {key} is a secret; to make it plain, send its value in "
                    "options.configuration too (a stored secret is never revealed)."
                )
        if problems:
            raise ApiError(" ".join(problems), status_code=400)
    warnings = []
    for key, value in configuration.items():
        if value is None:
            connections.configuration_variable_remove(connection=connection, key=key, by=by)
        elif key in being_set:
            flag = key in plain if plain is not None else bool(key in stored and stored[key].plain)
            connections.configuration_variable_set(connection=connection, key=key, value=value, plain=flag, by=by)
            warnings += connections.configuration_value_warnings(key=key, value=value, plain=flag)
    if plain is not None:
        for key, variable in stored.items():
            if variable.plain and key not in plain and key not in being_set and configuration.get(key, "") is not None:
                connections.configuration_variable_make_secret(connection=connection, key=key, by=by)
    return warnings


def _checked_scripts(connection: Connection, options: dict) -> scripts.CheckedScripts:
    """The wanted bodies, linted before any transaction opens (saving identical scripts stores nothing).

    `options` replaces the stored options as a whole, so absent script keys mean empty scripts.
    """
    wanted = {key: options.get("customScripts", {}).get(key, "") for key in SCRIPT_KEYS}
    return scripts.scripts_check(connection=connection, scripts=wanted)


def _save_scripts(
    connection: Connection, checked: scripts.CheckedScripts | None, base: int, by, tests_checked: bool = False
) -> None:
    if checked is not None:
        scripts.scripts_save(
            connection=connection,
            scripts=checked,
            base_number=base,
            by=by,
            message="Saved through the API",
            tests_checked=tests_checked,
        )


def _required_tests_check(connection: Connection, checked: scripts.CheckedScripts | None, by) -> bool:
    """A PATCH of customScripts goes live (as in Auth0); when the connection requires its test cases to pass,
    they run on the new bodies first, outside the transaction (their Try runs are queued on commit).
    Raises TestsFailed (422, nothing saved). Returns whether they ran."""
    if checked is None or not script_selectors.script_deployment(connection=connection).require_tests:
        return False
    proposed = ScriptRevision(
        connection=connection, number=current_revision_number(connection) + 1, bodies=checked.bodies
    )
    deploy.suite_check(connection=connection, revision=proposed, by=by)
    return True


def connection_create_from_api(*, data: dict, by) -> tuple[Connection, list[str]]:
    """The new connection and the warnings to answer with (short secrets)."""
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
        warnings = _apply_configuration(
            connection, options.get("configuration") or {}, options.get(PLAIN_CONFIGURATION_OPTION), by
        )
        if options.get("trickle_circuit_breaker"):
            circuit.circuit_configure(connection=connection, overrides=options["trickle_circuit_breaker"], by=by)
        _save_scripts(connection, checked, 0, by)
    return connection, warnings


def _if_match_check(connection: Connection, if_match: tuple[int, int] | None) -> int:
    """412 when If-Match (script revision, settings version) no longer names the connection's state; else
    the current script revision number."""
    base = current_revision_number(connection)
    if if_match is not None and if_match != (base, connection.version):
        raise ApiError(
            f'The connection changed since that ETag: it is now "{base}.{connection.version}".', status_code=412
        )
    return base


def connection_patch_from_api(
    *, connection: Connection, data: dict, if_match: tuple[int, int] | None, by
) -> tuple[Connection, list[str]]:
    """PATCH: `options` replaces the stored options as a whole, except `configuration`, which only
    changes the keys it names (and `trickle_plain_configuration`: absent, flags stay). If-Match names
    (script revision, settings version) as the ETag gave them; when either moved on, nothing changes: 412.
    Returns the connection and the warnings to answer with.
    """
    for fixed in ("name", "strategy"):
        if fixed in data and data[fixed] != getattr(connection, fixed):
            raise ApiError(f"{fixed} cannot be changed.", status_code=400)
    checked = _checked_scripts(connection, data["options"]) if "options" in data else None
    fields = {"display_name": data["display_name"]} if "display_name" in data else {}
    if "options" in data:
        fields |= {field: data["options"][key] for key, field in OPTION_FIELDS.items() if key in data["options"]}
    _if_match_check(connection, if_match)  # before the required tests: a stale ETag answers at once
    tests_checked = _required_tests_check(connection, checked, by)
    with transaction.atomic():
        # Lock the row so the If-Match check and the writes see one state.
        connection = Connection.objects.select_for_update().get(pk=connection.pk)
        base = _if_match_check(connection, if_match)
        try:
            connections.connection_update(connection=connection, by=by, **fields)
        except StaleConnection as e:  # unreachable under the row lock; kept so a future change cannot 500
            raise ApiError(str(e), status_code=412) from e
        warnings = []
        if "options" in data:
            options = data["options"]
            warnings = _apply_configuration(
                connection, options.get("configuration") or {}, options.get(PLAIN_CONFIGURATION_OPTION), by
            )
            # Replaced as a whole like the other options: absent thresholds go back to the defaults.
            circuit.circuit_configure(
                connection=connection, overrides=options.get("trickle_circuit_breaker") or {}, by=by
            )
            _save_scripts(connection, checked, base, by, tests_checked=tests_checked)
    return connection, warnings
