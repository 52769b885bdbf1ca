"""/api/v2/connections/{id}/release, revisions/{n}/deploy and /canary, canary/promote and /stop: shapes,
scopes, If-Match, conflicts and audit rows."""

import pytest

from connections_admin import services
from connections_admin.models import AuditEvent
from scripts_editor import selectors
from scripts_editor.scripts import SCRIPT_KEYS
from scripts_editor.services import scripts_save

pytestmark = pytest.mark.django_db

VERIFY = "function verify(email, callback) {\n  callback(null, true);\n}\n"


def _scripts(tag: str) -> dict[str, str]:
    return {k: "" for k in SCRIPT_KEYS} | {"verify": VERIFY + f"// {tag}\n"}


@pytest.fixture
def shop(editor):
    connection = services.connection_create(name="shop", by=editor, use_own_database=True)
    scripts_save(connection=connection, scripts=_scripts("1"), base_number=0, by=editor)
    scripts_save(connection=connection, scripts=_scripts("2"), base_number=1, by=editor, draft=True)
    return connection


@pytest.fixture
def api(editor, api_for):
    return api_for(editor)


def base(connection) -> str:
    return f"/api/v2/connections/{connection.public_id}"


def test_revisions_say_which_is_live_and_which_are_drafts(api, shop):
    listed = api.get(f"{base(shop)}/revisions").json()
    assert [(r["number"], r["is_draft"], r["live"]) for r in listed] == [(2, True, False), (1, False, True)]
    release = api.get(f"{base(shop)}/release")
    assert release.json()["live_revision"] == 1 and release.json()["canary"] is None
    assert release["ETag"] == f'"release.{release.json()["version"]}"'


def test_a_patch_of_custom_scripts_stays_live(api, shop):
    response = api.patch(base(shop), {"options": {"customScripts": _scripts("3")}}, format="json")
    assert response.status_code == 200
    assert selectors.script_revision_live_number(connection=shop) == 3


def test_deploy_with_if_match_then_a_stale_if_match_is_refused(api, editor, shop):
    etag = api.get(f"{base(shop)}/release")["ETag"]

    deployed = api.post(f"{base(shop)}/revisions/2/deploy", HTTP_IF_MATCH=etag)
    assert deployed.status_code == 200 and deployed.json()["live_revision"] == 2
    assert deployed["ETag"] != etag

    stale = api.post(f"{base(shop)}/revisions/1/deploy", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["errorCode"] == "precondition_failed"
    assert selectors.script_revision_live_number(connection=shop) == 2

    rollback = api.post(f"{base(shop)}/revisions/1/deploy", HTTP_IF_MATCH=deployed["ETag"])
    assert rollback.status_code == 200 and rollback.json()["live_revision"] == 1
    trail = AuditEvent.objects.filter(action=AuditEvent.Action.SCRIPTS_DEPLOYED).order_by("pk")
    assert [(e.detail["revision"], e.detail["rollback"], e.actor) for e in trail] == [
        (2, False, editor),
        (1, True, editor),
    ]


def test_deploy_errors(api, shop):
    assert api.post(f"{base(shop)}/revisions/9/deploy").status_code == 404
    bad = api.post(f"{base(shop)}/revisions/2/deploy", HTTP_IF_MATCH='"2.1"')
    assert bad.status_code == 400 and "release.4" in bad.json()["message"]


def test_canary_start_promote_stop_and_settings(api, shop):
    patched = api.patch(f"{base(shop)}/release", {"canary": {"percent": 20, "min_calls": 40}}, format="json")
    assert patched.json()["canary_settings"] == {"percent": 20, "margin": 5, "min_calls": 40}
    assert patched.json()["canary_overrides"] == {"percent": 20, "margin": None, "min_calls": 40}

    started = api.post(f"{base(shop)}/revisions/2/canary", {"percent": 10}, format="json")
    assert started.status_code == 201
    assert started.json()["canary"] | {"started_at": None} == started.json()["canary"] | {
        "revision": 2,
        "live_revision": 1,
        "state": "running",
        "percent": 10,
        "min_calls": 40,
        "canary_calls": 0,
        "started_at": None,
    }
    again = api.post(f"{base(shop)}/revisions/2/canary", {}, format="json")
    assert again.status_code == 409

    stopped = api.post(f"{base(shop)}/canary/stop")
    assert stopped.status_code == 200 and stopped.json()["canary"] is None
    assert api.post(f"{base(shop)}/canary/stop").status_code == 400

    api.post(f"{base(shop)}/revisions/2/canary", {}, format="json")
    promoted = api.post(f"{base(shop)}/canary/promote")
    assert promoted.json()["live_revision"] == 2 and promoted.json()["canary"] is None
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CANARY_PROMOTED).count() == 1


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("get", "/release", "read:connections"),
        ("patch", "/release", "update:connections"),
        ("post", "/revisions/2/deploy", "update:connections"),
        ("post", "/revisions/2/canary", "update:connections"),
        ("post", "/canary/promote", "update:connections"),
        ("post", "/canary/stop", "update:connections"),
        ("get", "/revisions/2/shadow", "read:connections"),
        ("post", "/revisions/2/shadow", "update:connections"),
        ("delete", "/revisions/2/shadow", "update:connections"),
        ("post", "/script-tests", "update:connections"),
        ("post", "/script-tests/run", "run:scripts"),
        ("get", "/script-tests/runs", "read:connections"),
    ],
)
def test_every_release_endpoint_needs_its_scope(editor, api_for, shop, method, path, scope):
    others = {"read:connections", "update:connections", "create:connections"} - {scope}
    response = getattr(api_for(editor, *others), method)(base(shop) + path, {}, format="json")
    assert response.status_code == 403
    assert selectors.script_revision_live_number(connection=shop) == 1
