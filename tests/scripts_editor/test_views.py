"""Every editor view as editor, viewer, outsider and anonymous: status codes and what the database holds."""

import json

import pytest
from django.urls import reverse

from connections_admin.models import AuditEvent
from scripts_editor.models import ScriptRevision
from scripts_editor.scripts import SCRIPT_KEYS
from scripts_editor.services import scripts_save

pytestmark = pytest.mark.django_db

VERIFY = "function verify(email, callback) {\n  callback(null, true);\n}\n"


def url(name, connection, *args):
    return reverse(f"scripts_editor:{name}", args=[connection.public_id, *args])


def save_form(base_number=0, **bodies):
    form = {"base_number": base_number, "message": "via the page"}
    form |= {f"script_{key}": bodies.get(key, "") for key in SCRIPT_KEYS}
    return form


def saved_twice(connection, editor):
    scripts_save(
        connection=connection, scripts={k: "" for k in SCRIPT_KEYS} | {"verify": VERIFY}, base_number=0, by=editor
    )
    scripts_save(
        connection=connection,
        scripts={k: "" for k in SCRIPT_KEYS} | {"verify": VERIFY.replace("true", "false")},
        base_number=1,
        by=editor,
    )


# --- the editor page ---


def test_the_editor_shows_all_seven_scripts_with_save_to_editors(editor_client, connection):
    response = editor_client.get(url("editor", connection))
    assert response.status_code == 200
    config = json.loads(
        response.content.split(b'id="editor-config" type="application/json">')[1].split(b"</script>")[0]
    )
    assert [s["key"] for s in config["scripts"]] == list(SCRIPT_KEYS)
    assert config["canChange"] is True and config["revision"]["number"] == 0
    assert {t["key"] for t in config["templates"]} == {
        "blank",
        "postgres",
        "mysql",
        "rest_api",
        "mongodb",
        "sqlserver",
        "oracle",
        "aspnet_membership",
    }
    mongo = next(t for t in config["templates"] if t["key"] == "mongodb")
    assert mongo["configurationKeys"] == ["MONGO_URI", "MONGO_DATABASE"]  # shown when it is chosen
    assert b'id="save-button"' in response.content and b"editor-config" in response.content


def test_viewers_see_the_editor_read_only(viewer_client, connection):
    response = viewer_client.get(url("editor", connection))
    assert response.status_code == 200
    assert response.context["config"]["canChange"] is False
    assert b'id="save-button"' not in response.content and b"You can read these scripts" in response.content


def test_outsiders_are_refused_the_editor(outsider_client, connection):
    assert outsider_client.get(url("editor", connection)).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(anonymous_client, connection):
    response = anonymous_client.get(url("editor", connection))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_migration_mode_marks_login_and_get_user_in_use_and_the_rest_unused(editor_client, connection):
    connection.use_own_database = connection.import_users = True
    connection.save()
    roles = {
        s["key"]: s["role"]["label"] for s in editor_client.get(url("editor", connection)).context["config"]["scripts"]
    }
    assert roles == {"login": "In use", "get_user": "In use"} | {k: "Kept, unused" for k in SCRIPT_KEYS[2:]}


def test_legacy_mode_marks_login_required_and_says_what_each_other_script_enables(editor_client, connection):
    connection.use_own_database = True
    connection.save()
    scripts = {s["key"]: s["role"] for s in editor_client.get(url("editor", connection)).context["config"]["scripts"]}
    assert scripts["login"]["label"] == "Required"
    assert scripts["verify"]["label"] == "Optional" and "email verification" in scripts["verify"]["note"]


def test_templates_follow_the_connection_name_and_context_setting(editor_client, connection):
    connection.enable_script_context = True
    connection.save()
    config = editor_client.get(url("editor", connection)).context["config"]
    postgres = next(t for t in config["templates"] if t["key"] == "postgres")
    assert "async function login(email, password, context, callback)" in postgres["bodies"]["login"]
    assert "'legacy-db|' + row.id" in postgres["bodies"]["login"]
    assert config["scripts"][0]["signature"] == ["userNameOrEmail", "password", "context", "callback"]


# --- saving ---


def test_editors_save_all_scripts_as_one_revision(editor_client, editor, connection):
    response = editor_client.post(url("save", connection), save_form(verify=VERIFY))
    assert response.status_code == 200
    assert response.json()["revision"]["number"] == 1 and response.json()["created"] is True
    revision = ScriptRevision.objects.get()
    assert revision.author == editor and revision.bodies["verify"] == VERIFY and revision.message == "via the page"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SCRIPTS_SAVED, actor=editor).count() == 1


def test_a_save_with_a_syntax_error_answers_400_with_the_position_and_stores_nothing(editor_client, connection):
    response = editor_client.post(url("save", connection), save_form(verify="function verify(e, cb) {"))
    assert response.status_code == 400
    (problem,) = response.json()["problems"]
    assert problem["script"] == "verify" and problem["line"] == 1 and problem["column"]
    assert not ScriptRevision.objects.exists()


def test_a_save_missing_a_script_is_refused(editor_client, connection):
    form = save_form()
    del form["script_change_email"]
    assert editor_client.post(url("save", connection), form).status_code == 400
    assert not ScriptRevision.objects.exists()


def test_a_stale_save_answers_409_with_what_the_other_person_changed(editor_client, editor, connection):
    saved_twice(connection, editor)
    response = editor_client.post(url("save", connection), save_form(base_number=1, login="// mine\n"))
    assert response.status_code == 409
    data = response.json()
    assert data["conflict"]["number"] == 2 and data["baseNumber"] == 1
    assert list(data["theirChanges"]) == ["verify"] and "+  callback(null, false);" in data["theirChanges"]["verify"]
    assert data["bodies"]["verify"] == VERIFY.replace("true", "false")
    assert ScriptRevision.objects.count() == 2


def test_viewers_cannot_save(viewer_client, connection):
    assert viewer_client.post(url("save", connection), save_form(verify=VERIFY)).status_code == 403
    assert not ScriptRevision.objects.exists()


def test_outsiders_cannot_save(outsider_client, connection):
    assert outsider_client.post(url("save", connection), save_form(verify=VERIFY)).status_code == 403
    assert not ScriptRevision.objects.exists()


def test_anonymous_visitors_cannot_save(anonymous_client, connection):
    assert anonymous_client.post(url("save", connection), save_form(verify=VERIFY)).status_code == 302
    assert not ScriptRevision.objects.exists()


def test_saving_needs_post(editor_client, connection):
    assert editor_client.get(url("save", connection)).status_code == 405


# --- history, diff and restore ---


@pytest.mark.parametrize("persona", ["editor_client", "viewer_client"])
def test_history_lists_revisions_with_author_message_and_changed_scripts(request, persona, editor, connection):
    saved_twice(connection, editor)
    response = request.getfixturevalue(persona).get(url("history", connection))
    assert response.status_code == 200
    entries = response.context["entries"]
    assert [e.revision.number for e in entries] == [2, 1]
    assert entries[0].changed == ["verify"] and len(entries[1].changed) == 7  # the first one replaced the stubs
    assert b"<td>editor</td>" in response.content
    assert (b"Restore revision 1" in response.content) is (persona == "editor_client")


@pytest.mark.parametrize("name", ["history", "diff"])
def test_outsiders_and_anonymous_visitors_cannot_read_history_or_diffs(
    outsider_client, anonymous_client, connection, name
):
    assert outsider_client.get(url(name, connection)).status_code == 403
    assert anonymous_client.get(url(name, connection)).status_code == 302


@pytest.mark.parametrize("view", ["split", "unified"])
def test_the_diff_compares_any_two_revisions(viewer_client, editor, connection, view):
    saved_twice(connection, editor)
    response = viewer_client.get(url("diff", connection), {"old": 1, "new": 2, "view": view})
    assert response.status_code == 200
    diffs = {d.key: d for d in response.context["diffs"]}
    assert diffs["verify"].changed and not diffs["login"].changed
    assert b"callback(null, false);" in response.content


def test_the_diff_of_an_unknown_revision_is_404(viewer_client, connection):
    assert viewer_client.get(url("diff", connection), {"old": 0, "new": 9}).status_code == 404


def test_editors_restore_an_older_revision_as_a_new_one(editor_client, editor, connection):
    saved_twice(connection, editor)
    response = editor_client.post(url("restore", connection, 1), {"base_number": 2})
    assert response.status_code == 302 and response["Location"] == url("editor", connection)
    newest = ScriptRevision.objects.order_by("-number").first()
    assert newest.number == 3 and newest.restored_from == 1 and newest.bodies["verify"] == VERIFY
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SCRIPTS_RESTORED, actor=editor).exists()


def test_restoring_from_an_outdated_page_changes_nothing(editor_client, editor, connection):
    saved_twice(connection, editor)
    response = editor_client.post(url("restore", connection, 1), {"base_number": 1}, follow=True)
    assert b"nothing was restored" in response.content
    assert ScriptRevision.objects.count() == 2


@pytest.mark.parametrize(
    ("persona", "status"), [("viewer_client", 403), ("outsider_client", 403), ("anonymous_client", 302)]
)
def test_only_editors_may_restore(request, editor, connection, persona, status):
    saved_twice(connection, editor)
    assert (
        request.getfixturevalue(persona).post(url("restore", connection, 1), {"base_number": 2}).status_code == status
    )
    assert ScriptRevision.objects.count() == 2


def test_an_unknown_connection_is_404(editor_client):
    assert editor_client.get(reverse("scripts_editor:editor", args=["con_missing"])).status_code == 404


def test_revisions_are_read_only_in_the_django_admin(client, superuser, editor, connection):
    saved_twice(connection, editor)
    client.force_login(superuser)
    revision = ScriptRevision.objects.get(number=1)
    change = client.get(reverse("admin:scripts_editor_scriptrevision_change", args=[revision.pk]))
    assert change.status_code == 200 and b"callback(null, true);" in change.content
    assert b'name="_save"' not in change.content
    assert client.get(reverse("admin:scripts_editor_scriptrevision_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:scripts_editor_scriptrevision_delete", args=[revision.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert ScriptRevision.objects.count() == 2


def test_the_editor_warns_when_logins_already_run_the_blank_stubs(editor_client, connection, editor):
    from connections_admin.services import connection_update

    url = reverse("scripts_editor:editor", args=[connection.public_id])
    assert "data-stub-warning" not in editor_client.get(url).content.decode()  # own database off: nothing runs
    connection_update(connection=connection, by=editor, use_own_database=True)
    assert "data-stub-warning" in editor_client.get(url).content.decode()
    scripts_save(connection=connection, scripts={key: "" for key in SCRIPT_KEYS}, base_number=0, by=editor)
    assert "data-stub-warning" not in editor_client.get(url).content.decode()  # saved scripts are the admin's call
