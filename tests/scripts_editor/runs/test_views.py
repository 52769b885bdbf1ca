"""The Try panel's endpoints and the run pages as editor, viewer, outsider and anonymous."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from scripts_editor.models import ScriptRun, ScriptRunLine
from tests.factories import ConnectionFactory
from tests.scripts_editor.runs.conftest import LOGIN

pytestmark = pytest.mark.django_db
PASSWORD = "s3cret-typed-in-the-panel"


def url(name, connection, *args):
    return reverse(f"scripts_editor:{name}", args=[connection.public_id, *args])


def start(client, connection, **body):
    body = {"script": "login", "source": LOGIN, "args": {"email": "ada@example.com", "password": PASSWORD}} | body
    return client.post(url("run-start", connection), json.dumps(body), content_type="application/json")


@pytest.fixture
def finished_run(connection, editor):
    run = ScriptRun.objects.create(
        connection=connection,
        script="login",
        source=LOGIN,
        timeout_s=20,
        arguments={"email": "ada@example.com", "password": "********"},
        status="succeeded",
        result={"user_id": "u1", "email": "ada@example.com"},
        duration_ms=3.2,
        requested_by=editor,
        requested_by_label="editor",
    )
    for seq in (1, 2, 3):
        ScriptRunLine.objects.create(run=run, seq=seq, time=timezone.now(), level="log", text=f"line {seq}")
    return run


def test_an_editor_starts_a_run_of_the_posted_text(editor_client, connection, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        response = start(editor_client, connection)
    assert response.status_code == 202
    run = ScriptRun.objects.get()
    assert response.json()["pollUrl"] == url("run-poll", connection, run.id)
    assert run.source == LOGIN and run.revision is None and run.arguments["password"] == "********"
    assert len(enqueued) == 1


@pytest.mark.parametrize(
    ("persona", "status"), [("viewer_client", 403), ("outsider_client", 403), ("anonymous_client", 302)]
)
def test_only_editors_may_start_runs(request, connection, persona, status):
    assert start(request.getfixturevalue(persona), connection).status_code == status
    assert not ScriptRun.objects.exists()


def test_inputs_that_do_not_fit_are_a_400_naming_the_problem(editor_client, connection):
    response = start(editor_client, connection, args={"email": "ada@example.com"})
    assert response.status_code == 400
    assert "missing: password" in json.dumps(response.json())
    assert start(editor_client, connection, script="nope").status_code == 400
    assert not ScriptRun.objects.exists()


def test_the_poll_answers_state_lines_after_seq_and_done(editor_client, connection, finished_run):
    response = editor_client.get(url("run-poll", connection, finished_run.id), {"after": 1})
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "succeeded" and body["done"] is True
    assert [line["text"] for line in body["lines"]] == ["line 2", "line 3"]
    assert body["after"] == 3
    assert "logs in" in body["explanation"]["text"]


@pytest.mark.parametrize(("persona", "status"), [("outsider_client", 403), ("anonymous_client", 302)])
def test_outsiders_see_no_run(request, connection, finished_run, persona, status):
    client = request.getfixturevalue(persona)
    for name in ("run-poll", "run-detail"):
        assert client.get(url(name, connection, finished_run.id)).status_code == status
    assert client.get(url("run-list", connection)).status_code == status


def test_a_run_of_another_connection_is_not_found(editor_client, finished_run):
    other = ConnectionFactory()
    assert editor_client.get(url("run-poll", other, finished_run.id)).status_code == 404
    assert editor_client.get(url("run-detail", other, finished_run.id)).status_code == 404


def test_history_and_run_page_show_the_run_to_viewers_without_run_again(viewer_client, connection, finished_run):
    listing = viewer_client.get(url("run-list", connection)).content.decode()
    assert str(finished_run.id) in listing and "editor" in listing and "3.2 ms" in listing
    page = viewer_client.get(url("run-detail", connection, finished_run.id)).content.decode()
    assert "********" in page and 'id="run-again"' not in page


def test_the_run_page_offers_run_again_to_editors(editor_client, connection, finished_run):
    page = editor_client.get(url("run-detail", connection, finished_run.id)).content.decode()
    assert 'id="run-again"' in page


def test_the_editor_page_has_the_try_panel_for_editors_only(editor_client, viewer_client, connection):
    assert 'id="try-form"' in editor_client.get(url("editor", connection)).content.decode()
    viewer_page = viewer_client.get(url("editor", connection)).content.decode()
    assert 'id="try-form"' not in viewer_page and "run history" in viewer_page


def test_a_bad_after_is_a_400(editor_client, connection, finished_run):
    assert editor_client.get(url("run-poll", connection, finished_run.id), {"after": "-1"}).status_code == 400


def test_runs_are_read_only_in_the_django_admin(admin_client, finished_run):
    page = admin_client.get(reverse("admin:scripts_editor_scriptrun_change", args=[finished_run.id]))
    assert page.status_code == 200 and "line 2" in page.content.decode()
    assert admin_client.get(reverse("admin:scripts_editor_scriptrun_add")).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:scripts_editor_scriptrun_delete", args=[finished_run.id]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert ScriptRun.objects.filter(pk=finished_run.pk).exists()


@pytest.mark.parametrize(
    "script, arguments, subject",
    [
        ("login", {"email": "ada@example.com", "password": "********"}, "ada@example.com"),
        ("create", {"user": {"email": "new@example.com", "password": "********"}}, "new@example.com"),
        ("delete", {"id": "u-42"}, "u-42"),
        (
            "change_email",
            {"email": "old@example.com", "newEmail": "new@example.com", "verified": True},
            "old@example.com → new@example.com",
        ),
    ],
)
def test_the_history_shows_whom_each_run_was_for_and_never_a_password(
    viewer_client, connection, editor, script, arguments, subject
):
    ScriptRun.objects.create(
        connection=connection,
        script=script,
        source=LOGIN,
        timeout_s=20,
        arguments=arguments,
        status="succeeded",
        requested_by=editor,
        requested_by_label="editor",
    )

    listing = viewer_client.get(url("run-list", connection)).content.decode()

    assert f'<td class="small text-break" data-run-subject>{subject}</td>' in listing
    assert "********" not in listing


def test_viewers_see_state_timing_and_meaning_but_never_the_output(
    viewer_client, editor_client, connection, finished_run
):
    # Whoever may change a script can make it print a secret in any disguise, so its output is theirs alone.
    poll = viewer_client.get(url("run-poll", connection, finished_run.id)).json()
    assert poll["state"] == "succeeded" and poll["done"] is True and poll["durationMs"] == 3.2
    assert "logs in" in poll["explanation"]["text"]
    assert poll["lines"] == [] and poll["result"] is None and poll["error"] is None
    assert "may change this connection" in poll["outputHidden"]
    page = viewer_client.get(url("run-detail", connection, finished_run.id))
    assert page.context["config"]["run"]["lines"] == [] and page.context["config"]["run"]["result"] is None
    assert "may change this connection" in page.content.decode()
    editor_poll = editor_client.get(url("run-poll", connection, finished_run.id)).json()
    assert [line["text"] for line in editor_poll["lines"]] == ["line 1", "line 2", "line 3"]
    assert editor_poll["result"]["user_id"] == "u1" and editor_poll["outputHidden"] is None


def test_a_viewers_explanation_holds_no_text_the_script_chose(viewer_client, connection, finished_run):
    ScriptRun.objects.filter(pk=finished_run.pk).update(
        status="failed", result=None, error={"name": "UnauthorizedError", "message": "s e c r e t"}
    )
    poll = viewer_client.get(url("run-poll", connection, finished_run.id)).json()
    assert poll["explanation"]["text"] == "The user is refused and sees your message."
    assert "s e c r e t" not in json.dumps(poll)


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_deeply_nested_json_is_a_400_not_a_server_error(editor_client, connection, depth):
    body = '{"script": "login", "args": ' + "[" * depth + "]" * depth + "}"
    response = editor_client.post(url("run-start", connection), body, content_type="application/json")
    assert response.status_code == 400 and "nested too deeply" in response.json()["errors"]["__all__"][0]
    assert not ScriptRun.objects.exists()


def test_the_django_admin_shows_run_output_only_to_those_who_may_change_connections(client, finished_run):
    from tests.conftest import _with_perms
    from tests.factories import UserFactory

    viewer = _with_perms(
        UserFactory(username="run-viewer", is_staff=True), "view_connection", "view_scriptrun", "view_scriptrunline"
    )
    client.force_login(viewer)
    page = client.get(reverse("admin:scripts_editor_scriptrun_change", args=[finished_run.pk])).content.decode()
    assert "succeeded" in page and "line 2" not in page and "ada@example.com" in page
    _with_perms(viewer, "change_connection")
    page = client.get(reverse("admin:scripts_editor_scriptrun_change", args=[finished_run.pk])).content.decode()
    assert "line 2" in page
