"""/api/v2 script runs: scopes, 202 + Location, reading lines after a seq, passwords never returned."""

import json

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from scripts_editor.models import ScriptRun, ScriptRunLine
from tests.scripts_editor.runs.conftest import LOGIN

pytestmark = pytest.mark.django_db
PASSWORD = "api-typed-password-42"


def post_run(client, connection, **body):
    body = {"script": "login", "args": {"email": "ada@example.com", "password": PASSWORD}, "code": LOGIN} | body
    return client.post(f"/api/v2/connections/{connection.public_id}/script-runs", body, format="json")


def test_posting_a_run_answers_202_with_its_location(api_for, editor, connection, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        response = post_run(api_for(editor, "run:scripts"), connection)
    assert response.status_code == 202, response.content
    run = ScriptRun.objects.get()
    assert response["Location"] == f"/api/v2/script-runs/{run.id}"
    assert response.json()["status"] == "queued" and response.json()["arguments"]["password"] == "********"
    assert PASSWORD not in response.content.decode()
    assert run.source == LOGIN and len(enqueued) == 1


def test_without_code_the_current_revision_runs(api_for, editor, connection, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        body = {"script": "get_user", "args": {"email": "ada@example.com"}}
        response = api_for(editor, "run:scripts").post(
            f"/api/v2/connections/{connection.public_id}/script-runs", body, format="json"
        )
    assert response.status_code == 202
    assert "getUser" in ScriptRun.objects.get().source  # the blank stub of revision 0


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"args": {"email": "a@b.c"}}, "missing: password"),
        ({"script": "nope"}, "unknown script"),
        ({"args": ["a@b.c", "pw"]}, "args"),
        ({"code": 5}, "Must be a string"),
    ],
)
def test_bad_bodies_are_a_400_in_the_auth0_envelope(api_for, editor, connection, body, words):
    response = post_run(api_for(editor, "run:scripts"), connection, **body)
    assert response.status_code == 400
    assert response.json()["statusCode"] == 400 and words in response.json()["message"]
    assert not ScriptRun.objects.exists()


def test_each_endpoint_needs_its_scope(api_for, editor, connection):
    reader, runner = api_for(editor, "read:script_runs"), api_for(editor, "run:scripts")
    assert post_run(reader, connection).status_code == 403
    assert runner.get(f"/api/v2/connections/{connection.public_id}/script-runs").status_code == 403
    assert APIClient().get(f"/api/v2/connections/{connection.public_id}/script-runs").status_code == 401
    assert not ScriptRun.objects.exists()


def test_reading_a_run_returns_its_lines_after_a_seq_and_its_outcome(api_for, editor, viewer, connection):
    run = ScriptRun.objects.create(
        connection=connection,
        script="login",
        source=LOGIN,
        timeout_s=20,
        arguments={"email": "ada@example.com", "password": "********"},
        status="failed",
        error={"name": "WrongUsernameOrPasswordError", "message": "ada"},
        requested_by_label="editor",
    )
    for seq in (1, 2):
        ScriptRunLine.objects.create(run=run, seq=seq, time=timezone.now(), level="log", text=f"line {seq}")
    client = api_for(editor, "read:script_runs")
    body = client.get(f"/api/v2/script-runs/{run.id}", {"after": 1}).json()
    assert body["status"] == "failed" and body["done"] is True and body["after"] == 2
    assert [line["text"] for line in body["lines"]] == ["line 2"]
    assert "Wrong email or password" in body["explanation"]["text"]
    listing = client.get(f"/api/v2/connections/{connection.public_id}/script-runs").json()
    assert [r["id"] for r in listing] == [str(run.id)] and "lines" not in listing[0]


def test_unknown_runs_and_connections_are_404(api_for, editor):
    client = api_for(editor, "read:script_runs", "run:scripts")
    assert client.get("/api/v2/script-runs/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/api/v2/script-runs/not-a-uuid").json()["statusCode"] == 404
    assert client.get("/api/v2/connections/con_nope/script-runs").status_code == 404


@pytest.mark.scriptd
def test_a_run_posted_and_executed_never_returns_the_password(
    api_for, editor, connection, scriptd_for_runs, django_capture_on_commit_callbacks
):
    from scripts_editor.runs.services import script_run_execute

    source = "function login(e, p, cb) { console.log('pw is', p); cb(null, { user_id: e, email: e }); }"
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        post_run(api_for(editor, "run:scripts"), connection, code=source)
    run = ScriptRun.objects.get()
    script_run_execute(run_id=str(run.id), secret=enqueued[0].keywords["secret"])
    response = api_for(editor, "read:script_runs").get(f"/api/v2/script-runs/{run.id}")
    assert response.json()["status"] == "succeeded"
    assert PASSWORD not in json.dumps(response.json())  # the logged line is masked too


def test_run_output_goes_only_to_those_who_may_change_the_connection(api_for, editor, viewer, connection):
    # Whoever may change a script can make it print a secret in any disguise; viewers must not read it back.
    disguised = " ".join("hunter2-db-password")
    run = ScriptRun.objects.create(
        connection=connection,
        script="login",
        source=LOGIN,
        timeout_s=20,
        arguments={"email": "ada@example.com", "password": "********"},
        status="failed",
        error={"name": disguised, "message": disguised, "stack": disguised},
        requested_by_label="editor",
    )
    ScriptRunLine.objects.create(run=run, seq=1, time=timezone.now(), level="log", text=disguised)
    viewer_api = api_for(viewer, "read:script_runs")
    for body in (
        viewer_api.get(f"/api/v2/script-runs/{run.id}").json(),
        viewer_api.get(f"/api/v2/connections/{connection.public_id}/script-runs").json()[0],
    ):
        assert disguised not in json.dumps(body)
        assert body["status"] == "failed" and body["result"] is None and body["error"] is None
        assert (
            body["explanation"]["text"]
            == "The login fails with an error (the user sees “Something went wrong”): Error."
        )
        assert "may change this connection" in body["output_hidden"]
    assert viewer_api.get(f"/api/v2/script-runs/{run.id}").json()["lines"] == []
    editor_body = api_for(editor, "read:script_runs").get(f"/api/v2/script-runs/{run.id}").json()
    assert editor_body["lines"][0]["text"] == disguised and editor_body["error"]["message"] == disguised
    assert editor_body["output_hidden"] is None
