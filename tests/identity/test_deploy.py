"""Draft, deploy, rollback and canary (scripts_editor.deploy) end to end: logins really run in scriptd."""

import pytest

from connections_admin.models import AuditEvent
from identity import services
from identity.exceptions import FlowFailed
from identity.models import FlowEvent, LegacyCircuit
from scripts_editor import deploy, selectors
from scripts_editor.exceptions import DeployConflict, TestsFailed
from scripts_editor.models import ScriptCanary, ScriptTestSuiteRun
from scripts_editor.saved_tests import script_test_case_create
from scripts_editor.scripts import SCRIPT_KEYS
from scripts_editor.services import scripts_save

from .conftest import (
    celery_worker_on_redis,  # noqa: F401  (fixture)
    connection_in_mode,
)

pytestmark = [pytest.mark.scriptd, pytest.mark.django_db]

ACCEPTS = """function login(email, password, callback) {
  callback(null, { user_id: 'shop|' + email, email: email });
}"""
# Its isolate dies of its memory limit on every call: a crash, an infrastructure failure.
CRASHES = """function login(email, password, callback) {
  const keep = [];
  while (true) keep.push(new Array(1 << 20).fill(1.5));
}"""
REJECTS = """function login(email, password, callback) {
  callback(new WrongUsernameOrPasswordError(email, 'draft says no'));
}"""


def _scripts(login: str) -> dict[str, str]:
    return {k: "" for k in SCRIPT_KEYS} | {"login": login}


@pytest.fixture
def shop(runtime, db):
    return connection_in_mode(name="shop", mode="legacy", scripts=_scripts(ACCEPTS))


def _a_login_test_case(connection, editor) -> None:
    """The saved test case the required-tests gate runs: a@x.test logs in and gets a profile."""
    script_test_case_create(
        connection=connection,
        name="a user logs in",
        script="login",
        args={"email": "a@x.test", "password": "pw"},
        expect="profile",
        expected={"email": "a@x.test"},
        by=editor,
    )


def _login(connection, email: str):
    return services.user_login(connection=connection, username=email, password="pw")


def _serving(connection) -> int:
    """The revision that served the latest flow's script call."""
    return FlowEvent.objects.latest("pk").script_runs[-1]["revision"]


def test_a_draft_serves_no_login_until_deployed_and_a_rollback_is_a_deploy(shop, editor):
    draft = scripts_save(connection=shop, scripts=_scripts(REJECTS), base_number=1, by=editor, draft=True).revision

    assert draft.is_draft and selectors.script_revision_current(connection=shop).number == 2
    assert selectors.script_revision_live(connection=shop).number == 1
    shop.refresh_from_db()
    assert _login(shop, "a@x.test").user is not None and _serving(shop) == 1

    deploy.revision_deploy(connection=shop, number=2, by=editor)
    shop.refresh_from_db()
    with pytest.raises(FlowFailed) as caught:
        _login(shop, "a@x.test")
    assert caught.value.reason == "wrong_username_or_password" and _serving(shop) == 2
    draft.refresh_from_db()
    assert not draft.is_draft

    deploy.revision_deploy(connection=shop, number=1, by=editor)  # roll back
    shop.refresh_from_db()
    assert _login(shop, "a@x.test").user is not None and _serving(shop) == 1

    saved = AuditEvent.objects.filter(connection=shop, action=AuditEvent.Action.SCRIPTS_SAVED).order_by("pk")
    assert [e.detail.get("draft", False) for e in saved] == [False, True]
    deployed = AuditEvent.objects.filter(connection=shop, action=AuditEvent.Action.SCRIPTS_DEPLOYED).order_by("pk")
    assert [(e.detail["revision"], e.detail["previous"], e.detail["rollback"], e.actor) for e in deployed] == [
        (2, 1, False, editor),
        (1, 2, True, editor),
    ]


def test_two_deploys_from_one_read_cannot_both_win(shop, editor):
    for base in (1, 2):
        scripts_save(connection=shop, scripts=_scripts(ACCEPTS + f"// {base}"), base_number=base, by=None, draft=True)
    seen = selectors.script_deployment(connection=shop).version

    deploy.revision_deploy(connection=shop, number=2, by=editor, expected_version=seen)
    with pytest.raises(DeployConflict) as caught:
        deploy.revision_deploy(connection=shop, number=3, by=editor, expected_version=seen)

    assert caught.value.live_number == 2 and selectors.script_revision_live_number(connection=shop) == 2


def test_a_live_save_replaces_a_draft_and_stops_a_canary(shop):
    scripts_save(connection=shop, scripts=_scripts(REJECTS), base_number=1, by=None, draft=True)
    deploy.canary_start(connection=shop, number=2, by=None, percent=50)

    scripts_save(connection=shop, scripts=_scripts(ACCEPTS + "// 3"), base_number=2, by=None)

    assert selectors.script_revision_live_number(connection=shop) == 3
    assert selectors.script_canary_running(connection=shop) is None
    assert ScriptCanary.objects.get().state == ScriptCanary.State.STOPPED


def _split(connection, percent: int, count: int = 200) -> tuple[list[str], list[str]]:
    """Identifiers in the canary's share and out of it."""
    canary = ScriptCanary(percent=percent)
    emails = [f"user{i}@x.test" for i in range(count)]
    inside = [e for e in emails if deploy.canary_serves(canary=canary, connection_pk=connection.pk, identifier=e)]
    return inside, [e for e in emails if e not in inside]


def test_a_canary_serves_a_sticky_share_of_users(shop, editor):
    scripts_save(connection=shop, scripts=_scripts(REJECTS), base_number=1, by=editor, draft=True)
    deploy.canary_start(connection=shop, number=2, by=editor, percent=30)
    shop.refresh_from_db()
    inside, outside = _split(shop, 30, count=1000)

    assert 200 < len(inside) < 400  # about 30 % of users
    for _ in range(3):  # the same users every time, whatever the case of their email
        with pytest.raises(FlowFailed):
            _login(shop, inside[0].upper())
        assert _serving(shop) == 2
        assert _login(shop, outside[0]).user is not None and _serving(shop) == 1
    canary = ScriptCanary.objects.get()
    assert (canary.canary_calls, canary.canary_failures, canary.live_calls, canary.live_failures) == (3, 0, 3, 0)
    assert AuditEvent.objects.get(action=AuditEvent.Action.CANARY_STARTED).detail["percent"] == 30


def test_a_crashing_canary_is_rolled_back_and_logins_keep_succeeding(shop, editor):
    deploy.deployment_configure(connection=shop, by=editor, canary={"margin": 10, "min_calls": 3})
    scripts_save(connection=shop, scripts=_scripts(CRASHES), base_number=1, by=editor, draft=True)
    deploy.canary_start(connection=shop, number=2, by=editor, percent=50)
    inside, outside = _split(shop, 50)

    for i in range(3):
        shop.refresh_from_db()
        assert _login(shop, outside[i]).user is not None
        with pytest.raises(FlowFailed) as caught:
            _login(shop, inside[i])
        assert caught.value.reason == "script_crash"

    canary = ScriptCanary.objects.get()
    assert canary.state == ScriptCanary.State.ROLLED_BACK and canary.ended_by_label == "system"
    assert "100% of its 3 calls" in canary.reason
    rolled = AuditEvent.objects.get(connection=shop, action=AuditEvent.Action.CANARY_ROLLED_BACK)
    assert rolled.actor is None and rolled.detail["canary_failures"] == 3 and rolled.detail["live_failures"] == 0
    # Everyone, the canary's users too, is served by the live revision again.
    shop.refresh_from_db()
    for email in inside[:3] + outside[:1]:
        assert _login(shop, email).user is not None and _serving(shop) == 1
    assert selectors.script_revision_live_number(connection=shop) == 1


def test_wrong_passwords_never_roll_a_canary_back(shop):
    deploy.deployment_configure(connection=shop, by=None, canary={"margin": 0, "min_calls": 2})
    scripts_save(connection=shop, scripts=_scripts(REJECTS), base_number=1, by=None, draft=True)
    deploy.canary_start(connection=shop, number=2, by=None, percent=99)
    inside, _ = _split(shop, 99)

    for email in inside[:4]:
        shop.refresh_from_db()
        with pytest.raises(FlowFailed):
            _login(shop, email)

    assert ScriptCanary.objects.get().state == ScriptCanary.State.RUNNING


def test_a_healthy_canary_is_promoted(shop, editor):
    scripts_save(connection=shop, scripts=_scripts(ACCEPTS + "// v2"), base_number=1, by=editor, draft=True)
    deploy.canary_start(connection=shop, number=2, by=editor)

    deploy.canary_promote(connection=shop, by=editor)

    assert selectors.script_revision_live_number(connection=shop) == 2
    assert ScriptCanary.objects.get().state == ScriptCanary.State.PROMOTED
    promoted = AuditEvent.objects.get(action=AuditEvent.Action.CANARY_PROMOTED)
    assert promoted.actor == editor and promoted.detail["revision"] == 2


def test_required_test_cases_gate_deploys_and_live_saves(celery_worker_on_redis, shop, editor):  # noqa: F811
    _a_login_test_case(shop, editor)
    deploy.deployment_configure(connection=shop, by=editor, require_tests=True)
    scripts_save(connection=shop, scripts=_scripts(REJECTS), base_number=1, by=editor, draft=True)

    with pytest.raises(TestsFailed) as caught:
        deploy.revision_deploy(connection=shop, number=2, by=editor)

    assert [f.name for f in caught.value.failures] == ["a user logs in"]
    assert "expected a profile" in caught.value.failures[0].reason
    assert selectors.script_revision_live_number(connection=shop) == 1
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SCRIPTS_DEPLOYED).exists()

    # A live save of failing scripts is kept as a draft, not lost, and does not go live.
    with pytest.raises(TestsFailed):
        scripts_save(connection=shop, scripts=_scripts(REJECTS + "// 3"), base_number=2, by=editor)
    assert selectors.script_revision_current(connection=shop).is_draft
    assert selectors.script_revision_live_number(connection=shop) == 1

    # A passing revision deploys, and a live save that passes goes live.
    scripts_save(connection=shop, scripts=_scripts(ACCEPTS + "// 4"), base_number=3, by=editor, draft=True)
    deploy.revision_deploy(connection=shop, number=4, by=editor)
    assert selectors.script_revision_live_number(connection=shop) == 4
    saved = scripts_save(connection=shop, scripts=_scripts(ACCEPTS + "// 5"), base_number=4, by=editor)
    assert not saved.revision.is_draft and selectors.script_revision_live_number(connection=shop) == 5


def test_through_the_api_a_deployed_draft_serves_logins_and_a_rollback_undoes_it(shop, editor, api_for):
    api = api_for(editor, "read:connections", "update:connections", "authenticate:users")
    base = f"/api/v2/connections/{shop.public_id}"
    scripts_save(connection=shop, scripts=_scripts(REJECTS), base_number=1, by=editor, draft=True)

    def authenticate():
        return api.post(f"{base}/authenticate", {"username": "a@x.test", "password": "pw"}, format="json")

    assert authenticate().status_code == 200  # the draft serves nothing
    etag = api.get(f"{base}/release")["ETag"]
    assert api.post(f"{base}/revisions/2/deploy", HTTP_IF_MATCH=etag).status_code == 200
    refused = authenticate()
    assert refused.status_code == 401 and refused.json()["errorCode"] == "wrong_username_or_password"
    assert api.post(f"{base}/revisions/1/deploy").json()["live_revision"] == 1
    assert authenticate().status_code == 200


def test_through_the_api_a_crashing_canary_shows_as_rolled_back(shop, editor, api_for):
    api = api_for(editor, "read:connections", "update:connections", "authenticate:users")
    base = f"/api/v2/connections/{shop.public_id}"
    api.patch(f"{base}/release", {"canary": {"min_calls": 2, "margin": 5}}, format="json")
    scripts_save(connection=shop, scripts=_scripts(CRASHES), base_number=1, by=editor, draft=True)
    assert api.post(f"{base}/revisions/2/canary", {"percent": 50}, format="json").status_code == 201
    inside, outside = _split(shop, 50)

    answers = [
        api.post(f"{base}/authenticate", {"username": email, "password": "pw"}, format="json").status_code
        for email in (inside[0], outside[0], inside[1], outside[1])
    ]

    assert answers == [502, 200, 502, 200]
    release = api.get(f"{base}/release").json()
    assert release["canary"] is None and release["live_revision"] == 1
    assert release["rolled_back"]["revision"] == 2 and release["rolled_back"]["canary_failures"] == 2
    assert "Rolled back automatically" in release["rolled_back"]["reason"]
    ok = api.post(f"{base}/authenticate", {"username": inside[0], "password": "pw"}, format="json")
    assert ok.status_code == 200


def test_a_patch_of_failing_scripts_is_refused_when_tests_are_required(
    celery_worker_on_redis,  # noqa: F811
    shop,
    editor,
    api_for,
):
    _a_login_test_case(shop, editor)
    api = api_for(editor, "read:connections", "update:connections")
    base = f"/api/v2/connections/{shop.public_id}"
    api.patch(f"{base}/release", {"require_tests": True}, format="json")

    refused = api.patch(base, {"options": {"customScripts": _scripts(REJECTS)}}, format="json")

    assert refused.status_code == 422 and refused.json()["errorCode"] == "tests_failed"
    assert refused.json()["trickle_failures"][0]["name"] == "a user logs in"
    assert shop.script_revisions.count() == 1  # nothing saved
    passing = _scripts(ACCEPTS + "// v2")
    assert api.patch(base, {"options": {"customScripts": passing}}, format="json").status_code == 200
    assert selectors.script_revision_live_number(connection=shop) == 2


def test_a_crashing_canary_does_not_open_the_legacy_circuit_for_everyone(shop, settings):
    settings.CIRCUIT_FAILURES = 2
    deploy.deployment_configure(connection=shop, by=None, canary={"min_calls": 100})
    scripts_save(connection=shop, scripts=_scripts(CRASHES), base_number=1, by=None, draft=True)
    deploy.canary_start(connection=shop, number=2, by=None, percent=50)
    inside, outside = _split(shop, 50)

    for email in inside[:3]:
        shop.refresh_from_db()
        with pytest.raises(FlowFailed) as caught:
            _login(shop, email)
        assert caught.value.reason == "script_crash"

    assert not LegacyCircuit.objects.filter(connection=shop).exclude(state="closed").exists()
    assert _login(shop, outside[0]).user is not None
    assert ScriptCanary.objects.get().canary_failures == 3


def test_the_editors_live_save_of_failing_scripts_is_kept_as_a_draft(
    celery_worker_on_redis,  # noqa: F811
    shop,
    editor,
    editor_client,
):
    _a_login_test_case(shop, editor)
    deploy.deployment_configure(connection=shop, by=editor, require_tests=True)
    form = {"base_number": 1, "message": "breaks login"} | {f"script_{k}": v for k, v in _scripts(REJECTS).items()}

    response = editor_client.post(f"/connections/{shop.public_id}/scripts/save/", form)

    assert response.status_code == 422
    answer = response.json()
    assert answer["revision"]["number"] == 2 and answer["revision"]["isDraft"] and answer["liveNumber"] == 1
    assert [f["name"] for f in answer["testsFailed"]] == ["a user logs in"]
    assert selectors.script_revision_live_number(connection=shop) == 1


def test_restoring_a_revision_that_fails_required_tests_keeps_it_as_a_draft_and_says_why(
    celery_worker_on_redis,  # noqa: F811
    shop,
    editor,
    editor_client,
):
    scripts_save(connection=shop, scripts=_scripts(REJECTS), base_number=1, by=editor, draft=True)
    _a_login_test_case(shop, editor)
    deploy.deployment_configure(connection=shop, by=editor, require_tests=True)

    response = editor_client.post(f"/connections/{shop.public_id}/scripts/revisions/2/restore/", {"base_number": 2})

    assert response.status_code == 302 and response.url.endswith("/history/")
    page = editor_client.get(response.url).content.decode()
    assert "Revision 2 was restored as a draft." in page and "a user logs in" in page
    assert selectors.script_revision_current(connection=shop).number == 3
    assert selectors.script_revision_current(connection=shop).is_draft
    assert selectors.script_revision_live_number(connection=shop) == 1


def test_a_stale_if_match_is_refused_before_the_required_tests_run(shop, editor, api_for):
    _a_login_test_case(shop, editor)
    api = api_for(editor, "read:connections", "update:connections")
    base = f"/api/v2/connections/{shop.public_id}"
    api.patch(f"{base}/release", {"require_tests": True}, format="json")
    stale = api.get(base)["ETag"]
    scripts_save(connection=shop, scripts=_scripts(ACCEPTS + "// moved on"), base_number=1, by=None)

    answer = api.patch(
        base, {"options": {"customScripts": _scripts(ACCEPTS + "// v3")}}, format="json", HTTP_IF_MATCH=stale
    )

    assert answer.status_code == 412
    assert not ScriptTestSuiteRun.objects.filter(connection=shop).exists()  # no suite ran for a refused save
