"""Saving, conflicts, restoring and the selectors behind the editor and the API."""

import pytest

from connections_admin.models import AuditEvent
from scripts_editor.exceptions import ScriptConflict, ScriptsRejected
from scripts_editor.models import ScriptRevision
from scripts_editor.scripts import SCRIPT_KEYS
from scripts_editor.selectors import (
    script_bodies_current,
    script_revision_current,
    script_revision_current_for,
    script_revision_diff,
    script_revision_get,
    script_revision_history,
)
from scripts_editor.services import scripts_restore, scripts_save
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def scripts(**changes) -> dict[str, str]:
    bodies = {key: f"function f{i}(a, callback) {{ callback(null); }}\n" for i, key in enumerate(SCRIPT_KEYS)}
    return bodies | changes


def test_a_new_connection_starts_at_revision_zero_with_the_blank_stubs(connection):
    current = script_revision_current(connection=connection)
    assert current.number == 0 and current.pk is None
    assert "function login(userNameOrEmail, password, callback)" in current.scripts["login"]
    assert "legacy-db" in current.scripts["login"]  # the stubs name the connection
    assert set(current.scripts) == set(SCRIPT_KEYS)
    assert ScriptRevision.objects.count() == 0


def test_saving_stores_all_seven_scripts_as_the_next_revision_with_an_audit_event(connection, editor):
    saved = scripts_save(
        connection=connection, scripts=scripts(change_email=""), base_number=0, by=editor, message="first cut"
    )
    revision = saved.revision
    assert saved.created and revision.number == 1 and revision.author == editor and revision.message == "first cut"
    assert set(revision.bodies) == set(SCRIPT_KEYS) and revision.bodies["change_email"] == ""
    assert script_bodies_current(connection=connection) == scripts(change_email="")
    event = AuditEvent.objects.get(action=AuditEvent.Action.SCRIPTS_SAVED)
    assert event.actor == editor and event.detail["revision"] == 1 and "change_email" in event.detail["changed"]


def test_change_email_is_kept_on_every_save(connection, editor):
    scripts_save(
        connection=connection,
        scripts=scripts(change_email="function changeEmail(a, b, c, callback) { callback(null, true); }"),
        base_number=0,
        by=editor,
    )
    scripts_save(
        connection=connection,
        scripts=scripts(
            login="function login(a, b, callback) { callback(); }",
            change_email="function changeEmail(a, b, c, callback) { callback(null, true); }",
        ),
        base_number=1,
        by=editor,
    )
    assert "changeEmail" in script_bodies_current(connection=connection)["change_email"]


def test_saving_from_a_stale_base_is_a_conflict_that_names_the_current_revision(connection, editor, viewer):
    scripts_save(connection=connection, scripts=scripts(), base_number=0, by=editor)
    scripts_save(connection=connection, scripts=scripts(verify="// theirs\n"), base_number=1, by=editor)
    with pytest.raises(ScriptConflict) as conflict:
        scripts_save(connection=connection, scripts=scripts(verify="// mine\n"), base_number=1, by=viewer)
    assert conflict.value.current.number == 2 and conflict.value.base_number == 1
    assert ScriptRevision.objects.count() == 2
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SCRIPTS_SAVED).count() == 2


def test_a_base_beyond_the_current_revision_is_a_conflict(connection, editor):
    with pytest.raises(ScriptConflict):
        scripts_save(connection=connection, scripts=scripts(), base_number=5, by=editor)
    assert not ScriptRevision.objects.exists()


def test_a_syntax_error_refuses_the_save_with_script_line_and_column(connection, editor):
    broken = "function verify(email, callback) {\n  callback(null, true;\n}"
    with pytest.raises(ScriptsRejected) as rejected:
        scripts_save(connection=connection, scripts=scripts(verify=broken), base_number=0, by=editor)
    (problem,) = rejected.value.problems
    assert (problem.script, problem.line) == ("verify", 2) and problem.column
    assert not ScriptRevision.objects.exists() and not AuditEvent.objects.exists()


def test_a_script_above_512_kb_is_refused_and_nothing_is_stored(connection, editor):
    huge = "// " + "x" * (512 * 1024) + "\n"
    with pytest.raises(ScriptsRejected) as rejected:
        scripts_save(connection=connection, scripts=scripts(create=huge), base_number=0, by=editor)
    assert rejected.value.problems[0].script == "create" and "512 kB" in rejected.value.problems[0].message
    assert not ScriptRevision.objects.exists()


def test_missing_or_unknown_script_keys_are_refused(connection, editor):
    partial = scripts()
    del partial["change_email"]
    with pytest.raises(ScriptsRejected):
        scripts_save(connection=connection, scripts=partial, base_number=0, by=editor)
    with pytest.raises(ScriptsRejected):
        scripts_save(connection=connection, scripts=scripts(change_username=""), base_number=0, by=editor)
    assert not ScriptRevision.objects.exists()


def test_findings_come_back_with_the_save_but_never_block_it(connection, editor):
    saved = scripts_save(
        connection=connection, scripts=scripts(verify="function verify(email, callback) { }"), base_number=0, by=editor
    )
    assert saved.created
    assert [f.rule for f in saved.findings if f.script == "verify"] == ["no-callback"]


def test_saving_the_current_scripts_again_stores_nothing(connection, editor):
    first = scripts_save(connection=connection, scripts=scripts(), base_number=0, by=editor).revision
    again = scripts_save(connection=connection, scripts=scripts(), base_number=1, by=editor)
    assert not again.created and again.revision == first
    assert ScriptRevision.objects.count() == 1


def test_windows_line_ends_are_stored_as_unix_ones(connection, editor):
    scripts_save(connection=connection, scripts=scripts(verify="// a\r\n// b\r\n"), base_number=0, by=editor)
    assert script_bodies_current(connection=connection)["verify"] == "// a\n// b\n"


def test_restoring_makes_a_new_revision_with_the_old_scripts(connection, editor):
    scripts_save(connection=connection, scripts=scripts(verify="// one\n"), base_number=0, by=editor)
    scripts_save(connection=connection, scripts=scripts(verify="// two\n"), base_number=1, by=editor)
    restored = scripts_restore(connection=connection, number=1, base_number=2, by=editor)
    assert restored.number == 3 and restored.restored_from == 1
    assert script_bodies_current(connection=connection)["verify"] == "// one\n"
    event = AuditEvent.objects.get(action=AuditEvent.Action.SCRIPTS_RESTORED)
    assert event.detail == {"revision": 3, "changed": ["verify"], "restored_from": 1, "message": "Restored revision 1"}


def test_restoring_from_an_outdated_history_page_is_a_conflict(connection, editor):
    scripts_save(connection=connection, scripts=scripts(verify="// one\n"), base_number=0, by=editor)
    scripts_save(connection=connection, scripts=scripts(verify="// two\n"), base_number=1, by=editor)
    with pytest.raises(ScriptConflict):
        scripts_restore(connection=connection, number=1, base_number=1, by=editor)
    assert ScriptRevision.objects.count() == 2


def test_history_lists_revisions_newest_first_with_the_scripts_each_changed(
    connection, editor, django_assert_num_queries
):
    scripts_save(connection=connection, scripts=scripts(), base_number=0, by=editor)
    scripts_save(connection=connection, scripts=scripts(login="// new\n", delete="// gone\n"), base_number=1, by=editor)
    with django_assert_num_queries(1):
        history = script_revision_history(connection=connection)
    assert [(e.revision.number, e.changed) for e in history][0] == (2, ["login", "delete"])
    assert history[1].revision.number == 1 and set(history[1].changed) == set(SCRIPT_KEYS)


def test_the_diff_shows_changed_lines_per_script(connection, editor):
    scripts_save(connection=connection, scripts=scripts(verify="a\nb\nc\n"), base_number=0, by=editor)
    scripts_save(connection=connection, scripts=scripts(verify="a\nB\nc\n"), base_number=1, by=editor)
    diff = {
        d.key: d
        for d in script_revision_diff(
            old=script_revision_get(connection=connection, number=1),
            new=script_revision_get(connection=connection, number=2),
        )
    }
    assert not diff["login"].changed
    verify = diff["verify"]
    assert (verify.added, verify.removed) == (1, 1)
    kinds = [(row.kind, row.old_text, row.new_text) for row in verify.hunks[0].unified]
    assert ("del", "b", None) in kinds and ("add", None, "B") in kinds
    assert [(r.kind, r.old_text, r.new_kind, r.new_text) for r in verify.hunks[0].split][1] == ("del", "b", "add", "B")


def test_the_current_revisions_of_many_connections_take_one_query(connection, editor, django_assert_num_queries):
    untouched = ConnectionFactory(name="untouched")
    scripts_save(connection=connection, scripts=scripts(), base_number=0, by=editor)
    scripts_save(connection=connection, scripts=scripts(verify="// two\n"), base_number=1, by=editor)
    with django_assert_num_queries(1):
        current = script_revision_current_for(connections=[connection, untouched])
    assert current[connection.pk].number == 2 and current[connection.pk].scripts["verify"] == "// two\n"
    assert current[untouched.pk].number == 0 and "untouched" in current[untouched.pk].scripts["login"]
