"""Validate a whole import and work out what it would change, before anything is changed.

Every problem in every file is collected into one AsCodeRejected, so a fix-and-retry loop sees them all
at once. The plan holds configuration values only to apply them: they never appear in its summary,
its text or its fingerprint.
"""

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError

from connections_admin import crypto
from connections_admin import services as connections
from connections_admin.auth0_shape import OPTION_FIELDS, PLAIN_CONFIGURATION_OPTION
from connections_admin.models import Connection

from ..exceptions import LintUnavailable
from ..lint import scripts_lint
from ..scripts import SCRIPT_KEYS
from ..selectors import script_revision_current
from .exceptions import AsCodeProblem, AsCodeRejected
from .keywords import SUPPLY_HINT, MissingKeyword
from .layout import ConnectionSource, layout_read

CREATE, UPDATE, UNCHANGED, DELETE, KEPT = "create", "update", "unchanged", "delete", "kept"
ACTIONS = (CREATE, UPDATE, DELETE, UNCHANGED, KEPT)
# The top-level fields Trickle reads; any other (id, enabled_clients, realms, ...) is reported as ignored.
TOP_LEVEL_FIELDS = {"name", "display_name", "strategy", "options"}
OPTION_NAMES = {field_name: f"options.{option}" for option, field_name in OPTION_FIELDS.items()}


@dataclass
class ConnectionPlan:
    name: str
    action: str
    file: str = ""
    connection: Connection | None = field(default=None, repr=False)
    base_revision: int = 0  # the revision the diffs start from; a save since then is a conflict
    settings: dict[str, list] = field(default_factory=dict)  # field -> [old, new] (old is None on create)
    scripts: dict[str, str] | None = field(default=None, repr=False)  # all seven bodies to save, or None
    script_diffs: dict[str, str] = field(default_factory=dict)  # script key -> unified diff
    configuration_set: dict[str, str] = field(default_factory=dict, repr=False)  # values: never shown
    configuration_plain: list[str] = field(default_factory=list)  # keys of configuration_set that are plain
    configuration_made_secret: list[str] = field(default_factory=list)  # stored plain keys that become secret
    configuration_removed: list[str] = field(default_factory=list)
    configuration_kept: list[str] = field(default_factory=list)  # stored keys the files do not list
    # Stored keys the files list as a bare ##KEY## / @@KEY@@ with no value supplied: the stored value stays.
    configuration_unsupplied: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def has_details(self) -> bool:
        """Whether there is anything to show beyond the name and action (the preview collapses the rest)."""
        return bool(
            self.settings
            or self.script_diffs
            or self.configuration_set
            or self.configuration_made_secret
            or self.configuration_removed
            or self.configuration_kept
            or self.configuration_unsupplied
            or self.warnings
        )

    def summary(self) -> dict:
        """Everything a person reviews, and nothing secret."""
        return {
            "name": self.name,
            "action": self.action,
            "file": self.file,
            "base_revision": self.base_revision,
            "settings": self.settings,
            "scripts": self.script_diffs,
            "configuration_set": sorted(self.configuration_set),
            "configuration_plain": self.configuration_plain,
            "configuration_made_secret": self.configuration_made_secret,
            "configuration_removed": self.configuration_removed,
            "configuration_kept": self.configuration_kept,
            "configuration_unsupplied": self.configuration_unsupplied,
            "warnings": self.warnings,
        }


@dataclass
class ImportPlan:
    connections: list[ConnectionPlan]

    def count(self, action: str) -> int:
        return sum(1 for c in self.connections if c.action == action)

    @property
    def has_changes(self) -> bool:
        return any(c.action in (CREATE, UPDATE, DELETE) for c in self.connections)

    @property
    def fingerprint(self) -> str:
        """Changes when anything the reviewer saw would change, so a stale preview cannot be confirmed."""
        text = json.dumps([c.summary() for c in self.connections], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def import_plan(*, sources: list[ConnectionSource], allow_delete: bool) -> ImportPlan:
    """What importing `sources` would do; AsCodeRejected (listing every problem) when it cannot be done."""
    existing = {c.name: c for c in Connection.objects.order_by("name")}
    planner = _Planner(existing, allow_delete)
    plans = [p for p in (planner.connection(s) for s in sources) if p]
    named = {p.name for p in plans}
    plans += [
        ConnectionPlan(
            name=name,
            action=DELETE if allow_delete else KEPT,
            connection=connection,
            warnings=[] if allow_delete else ["not in the files, so kept (allow deletions to delete it)"],
        )
        for name, connection in existing.items()
        if name not in named
    ]
    if planner.problems:
        raise AsCodeRejected(planner.problems)
    return ImportPlan(connections=plans)


def import_prepare(*, root: Path, keywords: dict[str, object], allow_delete: bool) -> ImportPlan:
    """Read the folder (either layout) and plan its import; AsCodeRejected for any problem in any file."""
    return import_plan(sources=layout_read(root=root, keywords=keywords), allow_delete=allow_delete)


def _unified(old: str, new: str, *, old_name: str, new_name: str) -> str:
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), fromfile=old_name, tofile=new_name, lineterm="")
    return "\n".join(lines)


class _Planner:
    def __init__(self, existing: dict[str, Connection], allow_delete: bool):
        self.existing = existing
        self.existing_lower = {name.lower(): name for name in existing}
        self.allow_delete = allow_delete
        self.seen: dict[str, str] = {}  # lower-cased name -> file, to refuse duplicates
        self.problems: list[AsCodeProblem] = []

    def problem(self, file: str, message: str) -> None:
        self.problems.append(AsCodeProblem(file, message))

    def service_problems(self, file: str, error: ValidationError, where: dict[str, str]) -> None:
        """A connection service's verdict, each message under the name the file used for that field."""
        for field_name, messages in error.message_dict.items():
            self.problem(file, f"{where.get(field_name, field_name)}: {' '.join(messages)}")

    def _name(self, source: ConnectionSource) -> str | None:
        name = source.database.get("name")
        if not isinstance(name, str) or not name:
            self.problem(source.file, "name is missing")
            return None
        try:
            connections.connection_name_validate(name=name)
        except ValidationError as e:
            self.service_problems(source.file, e, {"name": f"name {name!r}"})
            return None
        if name.lower() in self.seen:
            self.problem(source.file, f"connection {name!r} is also defined in {self.seen[name.lower()]}")
            return None
        self.seen[name.lower()] = source.file
        if name not in self.existing and name.lower() in self.existing_lower:
            self.problem(
                source.file,
                f"name {name!r} differs only in case from the existing connection "
                f"{self.existing_lower[name.lower()]!r}",
            )
            return None
        return name

    def _settings(self, source: ConnectionSource) -> dict:
        """The settings the file sets (absent ones stay as they are, like the CLI's GET, merge, PATCH)."""
        database, options = source.database, source.database["options"]
        wanted = {"display_name": database["display_name"]} if "display_name" in database else {}
        wanted |= {name: options[option] for option, name in OPTION_FIELDS.items() if option in options}
        allowlist = wanted.get("egress_allowlist")
        if isinstance(allowlist, list) and all(isinstance(e, str) for e in allowlist):
            wanted["egress_allowlist"] = [e.lower() for e in allowlist]
        return wanted

    def _warnings(self, source: ConnectionSource) -> list[str]:
        database = source.database
        if database.get("strategy", "auth0") != "auth0":
            self.problem(
                source.file, f"strategy {database['strategy']!r}: only auth0 (database) connections can be imported"
            )
        top = sorted(set(database) - TOP_LEVEL_FIELDS)
        options = sorted(set(database["options"]) - set(OPTION_FIELDS) - {"configuration", PLAIN_CONFIGURATION_OPTION})
        return (
            [f"ignored (Trickle does not use it): {', '.join(top + [f'options.{o}' for o in options])}"]
            if top or options
            else []
        )

    def _configuration(self, source: ConnectionSource, plan: ConnectionPlan) -> None:
        """Keys to set (new or different values), remove (null, or unlisted with --allow-delete) and keep."""
        stored = {v.key: v for v in plan.connection.variables.all()} if plan.connection else {}
        if "configuration" not in source.database["options"]:
            return  # the deploy CLI strips configuration on export: absent means "leave the secrets alone"
        configuration = source.database["options"]["configuration"]
        if not isinstance(configuration, dict):
            self.problem(source.file, "options.configuration must be an object {KEY: value}")
            return
        plain = self._plain_keys(source, configuration, stored)
        for key, value in configuration.items():
            try:
                connections.configuration_variable_validate(key=key, value="" if value is None else value)
            except ValidationError as e:
                if isinstance(value, MissingKeyword) and "key" not in e.message_dict:
                    pass  # the marker stands for a stored value, checked when it was stored
                else:
                    where = {"key": f"options.configuration key {key!r}", "value": f"options.configuration.{key}"}
                    self.service_problems(source.file, e, where)
                    continue
            if isinstance(value, MissingKeyword):
                # An unedited export: the marker stands for the value already stored, so keep it.
                if key in stored:
                    plan.configuration_unsupplied.append(key)
                else:
                    self.problem(source.file, self._unsupplied_message(plan, key, value))
            elif value is None:
                if key in stored:
                    plan.configuration_removed.append(key)
            else:
                flag = key in plain if plain is not None else bool(key in stored and stored[key].plain)
                # Decrypting only to compare keeps re-imports of the same values from rewriting them.
                if (
                    key not in stored
                    or stored[key].plain != flag
                    or crypto.decrypt(stored[key].value_encrypted) != value
                ):
                    plan.configuration_set[key] = value
                    plan.configuration_plain += [key] if flag else []
                    plan.warnings += connections.configuration_value_warnings(key=key, value=value, plain=flag)
        unlisted = sorted(set(stored) - set(configuration))
        if self.allow_delete:
            plan.configuration_removed += unlisted
        else:
            plan.configuration_kept = unlisted
        if plain is not None:
            untouched = set(plan.configuration_set) | set(plan.configuration_removed)
            plan.configuration_made_secret = sorted(
                k for k, v in stored.items() if v.plain and k not in plain and k not in untouched
            )
        remaining = set(stored) - set(plan.configuration_removed) | set(plan.configuration_set)
        try:
            connections.configuration_count_validate(count=len(remaining))
        except ValidationError as e:
            self.service_problems(source.file, e, {"key": "options.configuration"})

    def _plain_keys(self, source: ConnectionSource, configuration: dict, stored: dict) -> set[str] | None:
        """options.trickle_plain_configuration as a set (None when absent: flags stay), after checking that
        each key is configured and that no stored secret becomes plain without its value."""
        options = source.database["options"]
        if PLAIN_CONFIGURATION_OPTION not in options:
            return None
        listed = options[PLAIN_CONFIGURATION_OPTION]
        if not isinstance(listed, list) or not all(isinstance(k, str) for k in listed):
            self.problem(source.file, f"options.{PLAIN_CONFIGURATION_OPTION} must be a list of configuration keys")
            return None
        secret_message = (
            "is a secret; to make it plain, give its value in options.configuration (a stored secret is never revealed)"
        )
        for key in listed:
            value = configuration.get(key)
            if key in configuration and value is None or key not in configuration and key not in stored:
                self.problem(source.file, f"options.{PLAIN_CONFIGURATION_OPTION}: {key} is not a configuration key")
            elif not isinstance(value, str) and key in stored and not stored[key].plain:
                # Absent from the files' configuration, or an unsupplied marker: the stored secret would show.
                self.problem(source.file, f"options.{PLAIN_CONFIGURATION_OPTION}: {key} {secret_message}")
        return set(listed)

    @staticmethod
    def _unsupplied_message(plan: ConnectionPlan, key: str, value: MissingKeyword) -> str:
        whose = (
            f"{plan.name!r} has no stored {key} to keep"
            if plan.connection
            else f"{plan.name!r} is a new connection, so there is no stored {key} to keep"
        )
        return (
            f"options.configuration.{key}: keyword {value.keyword} has no value and {whose}; "
            f"{SUPPLY_HINT.replace('KEY', value.keyword)}, or remove options.configuration from the file "
            f"to leave the configuration as it is"
        )

    def _scripts(self, source: ConnectionSource, plan: ConnectionPlan, settings: dict) -> None:
        """The bodies to save with a diff per changed script, after checking size and syntax."""
        if source.scripts is None:
            return
        bodies = {key: source.scripts.get(key, "").replace("\r\n", "\n") for key in SCRIPT_KEYS}
        if plan.connection:
            current = script_revision_current(connection=plan.connection)
            old, plan.base_revision = current.scripts, current.number
            old_label = f"{plan.name}/{{}}.js (revision {current.number})"
        else:
            old, old_label = dict.fromkeys(SCRIPT_KEYS, ""), "/dev/null"
        changed = [key for key in SCRIPT_KEYS if bodies[key] != old[key]]
        if plan.connection and not changed:
            return
        plan.scripts = bodies
        plan.script_diffs = {
            key: _unified(
                old[key],
                bodies[key],
                old_name=old_label.format(key),
                new_name=source.script_files.get(key, "(removed)"),
            )
            for key in changed
        }
        mode_of = Connection(use_own_database=settings["use_own_database"], import_users=settings["import_users"])
        try:
            report = scripts_lint(scripts=bodies, mode=mode_of.mode, context=settings["enable_script_context"])
        except LintUnavailable as e:
            self.problem(source.file, str(e))
            return
        for error in report.syntax_errors:
            self.problem(
                source.script_files.get(error.script, source.file),
                f"{error.message} (line {error.line}, column {error.column})",
            )

    def connection(self, source: ConnectionSource) -> ConnectionPlan | None:
        name = self._name(source)
        warnings = self._warnings(source)
        wanted = self._settings(source)
        if name is None:
            return None
        connection = self.existing.get(name)
        plan = ConnectionPlan(
            name=name,
            action=UPDATE if connection else CREATE,
            file=source.file,
            connection=connection,
            warnings=warnings,
        )
        if connection:
            current = {f: getattr(connection, f) for f in connections.UPDATABLE_FIELDS}
            plan.settings = {f: [current[f], v] for f, v in sorted(wanted.items()) if current[f] != v}
        else:
            current = {f: Connection._meta.get_field(f).get_default() for f in connections.UPDATABLE_FIELDS}
            plan.settings = {f: [None, v] for f, v in sorted(wanted.items())}
        settings = current | wanted
        try:
            connections.connection_settings_validate(fields=settings, connection=connection)
        except ValidationError as e:
            self.service_problems(source.file, e, {"display_name": "display_name", **OPTION_NAMES})
        self._scripts(source, plan, settings)
        self._configuration(source, plan)
        if connection and not (
            plan.settings
            or plan.scripts is not None
            or plan.configuration_set
            or plan.configuration_removed
            or plan.configuration_made_secret
        ):
            plan.action = UNCHANGED
        return plan


def plan_text(plan: ImportPlan) -> str:
    """The plan for a terminal: one block per connection, then a one-line summary."""
    marks = {CREATE: "+ create", UPDATE: "~ change", UNCHANGED: "= unchanged", DELETE: "- delete", KEPT: "! keep"}
    out = []
    for item in plan.connections:
        out.append(f"{marks[item.action]} {item.name}" + (f"  ({item.file})" if item.file else ""))
        for name, (old, new) in item.settings.items():
            out.append(
                f"    {name}: {json.dumps(new)}"
                if old is None and item.action == CREATE
                else f"    {name}: {json.dumps(old)} -> {json.dumps(new)}"
            )
        for key, diff in item.script_diffs.items():
            out.append(f"    script {key}:")
            out += [f"      {line}" for line in diff.splitlines()]
        if item.configuration_set:
            out.append(f"    configuration set: {', '.join(sorted(item.configuration_set))} (values not shown)")
        if item.configuration_plain:
            out.append(f"    configuration plain (not secret): {', '.join(item.configuration_plain)}")
        if item.configuration_made_secret:
            out.append(f"    configuration made secret: {', '.join(item.configuration_made_secret)}")
        if item.configuration_removed:
            out.append(f"    configuration removed: {', '.join(item.configuration_removed)}")
        if item.configuration_unsupplied:
            out.append(
                f"    configuration kept: no value supplied (the stored value stays): "
                f"{', '.join(item.configuration_unsupplied)}"
            )
        if item.configuration_kept:
            out.append(
                f"    configuration kept (not in the files; allow deletions to remove): "
                f"{', '.join(item.configuration_kept)}"
            )
        out += [f"    warning: {w}" for w in item.warnings]
    out.append(
        f"{plan.count(CREATE)} to create, {plan.count(UPDATE)} to change, {plan.count(DELETE)} to delete, "
        f"{plan.count(UNCHANGED)} unchanged, {plan.count(KEPT)} kept."
    )
    return "\n".join(out)
