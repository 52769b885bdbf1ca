"""The demo `make run` sets up: setup_demo's connection and users, and the demo legacy API itself."""

from urllib.parse import urlsplit

import bcrypt
import pytest
from django.core.management import call_command

from connections_admin.models import Connection
from connections_admin.selectors import configuration_for_run
from identity.demo_legacy import DEMO_NAME, DEMO_USERS
from identity.models import DemoLegacyUser
from scripts_editor.selectors import script_bodies_current

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db, capsys):
    call_command("setup_demo")
    return Connection.objects.get(name=DEMO_NAME), capsys.readouterr().out


def test_setup_demo_wires_the_demo_connection_to_the_demo_store_and_prints_the_users(demo):
    connection, output = demo

    assert connection.mode == "migration" and "127.0.0.1:8000" in connection.egress_allowlist
    configuration = configuration_for_run(connection=connection)
    assert configuration["API_URL"] == "http://127.0.0.1:8000/demo-legacy" and configuration["API_TOKEN"]
    assert "require('axios')" in script_bodies_current(connection=connection)["login"]
    for email, _, password, _ in DEMO_USERS:
        assert f"{email} / {password}" in output
        stored = DemoLegacyUser.objects.get(email=email).password_hash
        assert stored.startswith("$2b$10$") and bcrypt.checkpw(password.encode(), stored.encode())


def test_setup_demo_twice_changes_nothing(demo):
    connection, _ = demo
    call_command("setup_demo")
    assert connection.script_revisions.count() == 1 and DemoLegacyUser.objects.count() == len(DEMO_USERS)
    assert Connection.objects.get(pk=connection.pk).egress_allowlist == ["127.0.0.1:8000"]


@pytest.fixture
def api(demo, client):
    token = configuration_for_run(connection=demo[0])["API_TOKEN"]
    return lambda method, path, **kw: getattr(client, method)(
        f"/demo-legacy/{path}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}", **kw
    )


def test_the_demo_api_refuses_requests_without_the_connections_token(demo, client):
    assert client.get("/demo-legacy/users", {"email": "ada@demo.test"}).status_code == 401
    assert (
        client.get("/demo-legacy/users", {"email": "ada@demo.test"}, HTTP_AUTHORIZATION="Bearer guessed").status_code
        == 401
    )
    assert client.delete("/demo-legacy/users/1").status_code == 401


def test_the_demo_api_answers_as_the_rest_template_expects(api):
    found = api("get", "users?email=ada@demo.test").json()
    assert found["nickname"] == "ada" and found["password_hash"].startswith("$2b$")
    assert api("get", "users?email=nobody@demo.test").status_code == 404

    created = api("post", "users", data={"email": "new@demo.test", "password_hash": "$2b$04$x", "nickname": "n"})
    assert created.status_code == 201
    assert api("post", "users", data={"email": "new@demo.test", "password_hash": "$2b$04$x"}).status_code == 409

    assert api("patch", "users?email=new@demo.test", data={"email_verified": True}).json()["email_verified"] is True
    assert api("patch", "users?email=gone@demo.test", data={"email_verified": True}).status_code == 404
    assert api("delete", f"users/{created.json()['id']}").status_code == 204
    assert api("delete", f"users/{created.json()['id']}").status_code == 404


@pytest.mark.scriptd
@pytest.mark.django_db(transaction=True)
def test_the_demo_connection_migrates_a_demo_user_through_the_http_bridge(runtime, live_server, capsys):
    """What `make run` offers, end to end: the REST template's scripts call the demo API over HTTP."""
    from connections_admin import services as connections
    from identity import services

    call_command("setup_demo")
    connection = Connection.objects.get(name=DEMO_NAME)
    # live_server listens on a random port rather than make run's 8000: point the demo there.
    host = f"127.0.0.1:{urlsplit(live_server.url).port}"
    connections.connection_update(connection=connection, by=None, egress_allowlist=[host])
    connections.configuration_variable_set(
        connection=connection, key="API_URL", value=f"http://{host}/demo-legacy", by=None
    )

    first = services.user_login(connection=connection, username="ada@demo.test", password="ada-legacy-pass")
    second = services.user_login(connection=connection, username="ada@demo.test", password="ada-legacy-pass")

    assert (first.path, second.path) == ("migrated", "managed")
    assert first.user.user_id == f"{DEMO_NAME}|{DemoLegacyUser.objects.get(email='ada@demo.test').pk}"
    assert first.user.email_verified is True
