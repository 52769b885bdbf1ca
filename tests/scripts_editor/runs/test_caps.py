"""A burst of Try runs cannot fill the queue others wait in: per user and per connection, runs waiting or
running are capped, and one more is a 429 with a clear message in the dashboard and the API."""

import json

import pytest
from django.urls import reverse

from scripts_editor.models import ScriptRun
from tests.conftest import _with_perms
from tests.factories import UserFactory
from tests.scripts_editor.runs.conftest import LOGIN

pytestmark = pytest.mark.django_db
ARGS = {"email": "ada@example.com", "password": "pw"}


def start(client, connection):
    body = {"script": "login", "source": LOGIN, "args": ARGS}
    url = reverse("scripts_editor:run-start", args=[connection.public_id])
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def caps(settings):
    settings.TRY_RUNS_PER_USER = 2
    settings.TRY_RUNS_PER_CONNECTION = 3


def test_one_user_may_have_only_so_many_runs_waiting(caps, editor_client, connection):
    assert [start(editor_client, connection).status_code for _ in range(2)] == [202, 202]
    refused = start(editor_client, connection)
    assert refused.status_code == 429 and refused["Retry-After"] == str(connection.script_timeout_s)
    assert "You already have 2 Try runs waiting or running" in refused.json()["errors"]["__all__"][0]
    assert ScriptRun.objects.count() == 2
    ScriptRun.objects.update(status="succeeded")  # finished runs no longer count
    assert start(editor_client, connection).status_code == 202


def test_a_connection_may_have_only_so_many_runs_waiting_whoever_asks(caps, connection, api_for):
    clients = []
    for name in ("a", "b"):
        user = _with_perms(UserFactory(username=name, is_staff=True), "view_connection", "change_connection")
        clients.append(api_for(user, "run:scripts"))
    path = f"/api/v2/connections/{connection.public_id}/script-runs"
    body = {"script": "login", "args": ARGS, "code": LOGIN}
    codes = [clients[i].post(path, body, format="json").status_code for i in (0, 0, 1)]
    assert codes == [202, 202, 202]
    refused = clients[1].post(path, body, format="json")
    assert refused.status_code == 429
    assert refused.json()["errorCode"] == "too_many_requests"
    assert f"{connection.name} already has 3 Try runs waiting or running" in refused.json()["message"]
    assert ScriptRun.objects.count() == 3
