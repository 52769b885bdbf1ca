"""Apply an import plan through the apps' own services, in one transaction: all of it or none of it."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from connections_admin import services as connections
from connections_admin.models import AuditEvent, Connection

from ..exceptions import LintUnavailable, ScriptConflict, ScriptsRejected
from ..saved_tests import script_test_cases_sync
from ..services import scripts_save
from .exceptions import AsCodeProblem, AsCodeRejected
from .plan import CREATE, DELETE, UPDATE, ConnectionPlan, ImportPlan

IMPORT_MESSAGE = "Imported as code"


@dataclass(frozen=True)
class ImportResult:
    created: list[str]
    updated: list[str]
    deleted: list[str]


def _apply_one(item: ConnectionPlan, by: AbstractBaseUser | None) -> None:
    settings = {f: new for f, (_, new) in item.settings.items()}
    if item.action == CREATE:
        connection = connections.connection_create(name=item.name, by=by, **settings)
    else:
        # Lock the row: the settings, scripts and configuration below must all build on one state.
        connection = Connection.objects.select_for_update().get(pk=item.connection.pk)
        connections.connection_update(connection=connection, by=by, **settings)
    saved_revision = None
    if item.scripts is not None:
        # base_revision is what the diff was made against: a save since the plan is a ScriptConflict.
        saved_revision = scripts_save(
            connection=connection, scripts=item.scripts, base_number=item.base_revision, by=by, message=IMPORT_MESSAGE
        ).revision.number
    for key, value in item.configuration_set.items():
        connections.configuration_variable_set(
            connection=connection, key=key, value=value, plain=key in item.configuration_plain, by=by
        )
    for key in item.configuration_made_secret:
        connections.configuration_variable_make_secret(connection=connection, key=key, by=by)
    for key in item.configuration_removed:
        connections.configuration_variable_remove(connection=connection, key=key, by=by)
    if item.tests is not None:
        script_test_cases_sync(connection=connection, cases=item.tests, by=by)
    connections.audit_event_record(
        connection=connection,
        action=AuditEvent.Action.CONNECTIONS_IMPORTED,
        by=by,
        detail={
            "created": item.action == CREATE,
            "settings": sorted(item.settings),
            "scripts": sorted(item.script_diffs),
            "revision": saved_revision,
            "configuration_set": sorted(item.configuration_set),
            "configuration_plain": item.configuration_plain,
            "configuration_made_secret": item.configuration_made_secret,
            "configuration_removed": item.configuration_removed,
            "tests_created": item.tests_created,
            "tests_changed": item.tests_changed,
            "tests_deleted": item.tests_deleted,
        },
    )


@transaction.atomic
def connections_import(*, plan: ImportPlan, by: AbstractBaseUser | None) -> ImportResult:
    """Create, change and delete connections as planned, each change one new script revision.

    Raises AsCodeRejected, with everything rolled back, when a service refuses a change the plan did not
    foresee: someone saved scripts since the plan (conflict), a name was taken meanwhile, Node is gone.
    """
    done: dict[str, list[str]] = {CREATE: [], UPDATE: [], DELETE: []}
    for item in plan.connections:
        if item.action not in done:
            continue
        try:
            if item.action == DELETE:
                connections.connection_delete(connection=item.connection, by=by)
            else:
                _apply_one(item, by)
        except ScriptConflict as e:
            raise AsCodeRejected(
                [
                    AsCodeProblem(
                        item.file,
                        f"{item.name}: revision {e.current.number} was saved "
                        f"since the plan was made (from revision "
                        f"{e.base_number}); nothing was imported, plan again",
                    )
                ]
            ) from e
        except (ScriptsRejected, LintUnavailable, ValidationError) as e:
            messages = (
                [str(p) for p in e.problems]
                if isinstance(e, ScriptsRejected)
                else (e.messages if isinstance(e, ValidationError) else [str(e)])
            )
            raise AsCodeRejected(
                [AsCodeProblem(item.file, f"{item.name}: {m}; nothing was imported") for m in messages]
            ) from e
        done[item.action].append(item.name)
    return ImportResult(created=done[CREATE], updated=done[UPDATE], deleted=done[DELETE])
