"""Every write to script revisions: save all seven scripts together, restore an older revision."""

from dataclasses import dataclass
from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from connections_admin.models import AuditEvent, Connection
from connections_admin.services import audit_event_record, connection_touch
from scriptd_client import limits

from .deploy import live_after_save, revision_deploy
from .exceptions import DeployConflict, ScriptConflict, ScriptProblem, ScriptsRejected
from .lint import Finding, scripts_lint
from .models import ScriptRevision
from .scripts import SCRIPT_KEYS
from .selectors import changed_scripts, script_deployment, script_revision_current, script_revision_get
from .test_suites import script_test_suite_start_after_save

MESSAGE_MAX_LENGTH = ScriptRevision._meta.get_field("message").max_length


@dataclass(frozen=True)
class SavedScripts:
    revision: ScriptRevision
    findings: list[Finding]  # advice only; they never block a save
    created: bool  # False when the scripts equalled the current revision and nothing was stored


def _normalise(scripts: dict[str, str]) -> dict[str, str]:
    """All seven keys, text with \\n line ends; unknown or missing keys are refused, never guessed."""
    problems = [
        ScriptProblem(script=key, message="This is not one of the seven scripts.")
        for key in scripts
        if key not in SCRIPT_KEYS
    ]
    problems += [
        ScriptProblem(script=key, message="Missing: every save stores all seven scripts.")
        for key in SCRIPT_KEYS
        if key not in scripts
    ]
    problems += [
        ScriptProblem(script=key, message="A script must be text.")
        for key, body in scripts.items()
        if key in SCRIPT_KEYS and not isinstance(body, str | None)
    ]
    if problems:
        raise ScriptsRejected(problems)
    bodies = {key: (scripts[key] or "").replace("\r\n", "\n") for key in SCRIPT_KEYS}
    too_big = [
        ScriptProblem(script=key, message=problem)
        for key, body in bodies.items()
        if (problem := limits.source_size_problem(body))
    ]
    if too_big:
        raise ScriptsRejected(too_big)
    return bodies


def _store_revision(
    *,
    connection: Connection,
    bodies: dict[str, str],
    base_number: int,
    by: AbstractBaseUser | None,
    message: str,
    action: str,
    restored_from: int | None = None,
    draft: bool = False,
    test_after_commit: bool = True,
) -> ScriptRevision:
    """Insert revision base + 1 with its audit row; unless it is a draft it serves logins from now on.

    A stale base is never checked by reading first: the insert of a number that already exists fails on
    the unique (connection, number) constraint, so simultaneous saves cannot both pass a check.
    """
    author = by if by is not None and by.is_authenticated else None
    with transaction.atomic():
        previous = script_revision_current(connection=connection)
        if base_number > previous.number:  # a base from the future: nothing to compare against
            raise ScriptConflict(current=previous, base_number=base_number)
        try:
            with transaction.atomic():  # a savepoint, so the failed insert leaves the transaction usable
                revision = ScriptRevision.objects.create(
                    connection=connection,
                    number=base_number + 1,
                    bodies=bodies,
                    author=author,
                    author_label=author.get_username() if author else "system",
                    message=message[:MESSAGE_MAX_LENGTH],
                    restored_from=restored_from,
                    is_draft=draft,
                )
        except IntegrityError:
            raise ScriptConflict(
                current=script_revision_current(connection=connection), base_number=base_number
            ) from None
        if not draft:
            live_after_save(connection=connection, revision=revision, by=by)
        connection_touch(connection=connection)
        audit_event_record(
            connection=connection,
            action=action,
            by=by,
            detail={
                "revision": revision.number,
                **({"draft": True} if draft else {}),
                "changed": changed_scripts(previous.scripts, bodies),
                **({"restored_from": restored_from} if restored_from is not None else {}),
                **({"message": revision.message} if revision.message else {}),
            },
        )
        # Every save path (editor, API, restore, import) tests the new revision once it is committed, unless
        # the caller is about to test it before it goes live (deploy.suite_check), which records its own suite.
        if test_after_commit:
            transaction.on_commit(
                partial(
                    script_test_suite_start_after_save, connection=connection, revision_number=revision.number, by=by
                )
            )
    return revision


@dataclass(frozen=True)
class CheckedScripts:
    """All seven bodies, normalised and free of syntax errors, with their lint findings."""

    bodies: dict[str, str]
    findings: list[Finding]


def scripts_check(*, connection: Connection, scripts: dict[str, str]) -> CheckedScripts:
    """Normalise and lint without storing anything. Raises ScriptsRejected or LintUnavailable.

    Callers that save inside their own transaction check first, outside it: Node takes a moment and
    must not run while a write lock is held.
    """
    bodies = _normalise(scripts)
    report = scripts_lint(
        scripts=bodies,
        mode=connection.mode,
        context=connection.enable_script_context,
        # A connection being created has no stored keys yet: unknown rather than "none".
        configuration_keys=list(connection.variables.values_list("key", flat=True)) if connection.pk else None,
    )
    if report.syntax_errors:
        raise ScriptsRejected(report.syntax_errors)
    return CheckedScripts(bodies=bodies, findings=report.findings)


def scripts_save(
    *,
    connection: Connection,
    scripts: dict[str, str] | CheckedScripts,
    base_number: int,
    by: AbstractBaseUser | None,
    message: str = "",
    draft: bool = False,
    tests_checked: bool = False,
) -> SavedScripts:
    """Save all seven scripts as revision base_number + 1: live (it serves logins at once) or, with
    draft=True, a draft that serves none until deployed (deploy.revision_deploy).

    Raises ScriptsRejected (nothing stored) for a syntax error, a script above 512 kB or a missing or
    unknown key; ScriptConflict when someone else saved since base_number; LintUnavailable when Node
    cannot check the syntax. Saving exactly the current scripts again stores nothing (created=False),
    unless a live save finds them a draft: then that draft is deployed.
    When the connection requires passing test cases, a live save stores the revision as a draft, runs them
    and deploys it only if they pass: TestsFailed (with the failing cases) leaves it a draft, nothing lost.
    Inside a caller's transaction (an import) the cases cannot run (their Try runs are queued on commit), so
    the revision stays a draft to deploy from History; tests_checked=True: the caller ran them on these
    bodies already, before its transaction (deploy.suite_check), and the save goes live.
    `scripts` may come already checked by scripts_check.
    """
    checked = scripts if isinstance(scripts, CheckedScripts) else scripts_check(connection=connection, scripts=scripts)
    current = script_revision_current(connection=connection)
    if current.pk and current.number == base_number and current.scripts == checked.bodies:
        if not draft and current.is_draft:
            revision_deploy(connection=connection, number=current.number, by=by)
            current.is_draft = False
        return SavedScripts(revision=current, findings=checked.findings, created=False)
    gated = not draft and not tests_checked and script_deployment(connection=connection).require_tests
    deploy_now = gated and not transaction.get_connection().in_atomic_block
    revision = _store_revision(
        connection=connection,
        bodies=checked.bodies,
        base_number=base_number,
        by=by,
        message=message.strip(),
        action=AuditEvent.Action.SCRIPTS_SAVED,
        draft=draft or gated,
        test_after_commit=not (deploy_now or tests_checked),  # else the gate has recorded its suite
    )
    if deploy_now:  # TestsFailed (or a deploy that lost a race) leaves the new revision a draft
        _deploy_kept(connection=connection, revision=revision, by=by)
        revision.is_draft = False
    return SavedScripts(revision=revision, findings=checked.findings, created=True)


def scripts_restore(
    *,
    connection: Connection,
    number: int,
    base_number: int,
    by: AbstractBaseUser | None,
) -> ScriptRevision:
    """Make revision `number` current again by storing its scripts as a new revision.

    Raises ScriptRevision.DoesNotExist for an unknown number and ScriptConflict when someone saved
    since base_number (the page the admin restored from was out of date); TestsFailed as scripts_save.
    """
    source = script_revision_get(connection=connection, number=number)
    gated = script_deployment(connection=connection).require_tests
    revision = _store_revision(
        connection=connection,
        bodies=source.scripts,
        base_number=base_number,
        by=by,
        message=f"Restored revision {number}",
        action=AuditEvent.Action.SCRIPTS_RESTORED,
        restored_from=number,
        draft=gated,
        test_after_commit=not gated,
    )
    if gated:  # like a live save: TestsFailed leaves the restored copy a draft
        _deploy_kept(connection=connection, revision=revision, by=by)
        revision.is_draft = False
    return revision


def _deploy_kept(*, connection: Connection, revision: ScriptRevision, by: AbstractBaseUser | None) -> None:
    """Deploy a gated save's revision, stored as a draft; a DeployConflict (someone deployed, saved live or
    changed the release while its tests ran) says which draft was kept, as TestsFailed does."""
    try:
        revision_deploy(connection=connection, number=revision.number, by=by)
    except DeployConflict as e:
        e.kept_draft = revision.number
        raise
