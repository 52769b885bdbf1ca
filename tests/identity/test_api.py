"""The identity endpoints under /api/v2/connections/{id}/: scopes, answers and one errorCode per failure."""

import pytest
from django.core.exceptions import ValidationError

from identity.models import FlowEvent, ManagedUser

from .conftest import connection_in_mode
from .legacy_scripts import PASSWORD

pytestmark = pytest.mark.django_db


def _url(connection, action):
    return f"/api/v2/connections/{connection.public_id}/{action}"


@pytest.fixture
def users_api(api_for, editor):
    return api_for(editor, "authenticate:users")


def test_authenticate_migrates_then_answers_locally_with_the_normalised_profile(runtime, migrating, users_api):
    first = users_api.post(
        _url(migrating, "authenticate"), {"username": "ada@legacy.test", "password": PASSWORD}, format="json"
    )
    second = users_api.post(_url(migrating, "authenticate"), {"username": "ada", "password": PASSWORD}, format="json")

    assert first.status_code == 200 and first.json()["trickle_path"] == "migrated"
    body = second.json()
    assert second.status_code == 200 and body["trickle_path"] == "managed"
    assert body["user_id"] == "auth0|old-shop|1" and body["app_metadata"] == {"plan": "gold"}
    assert body["identities"] == [
        {"user_id": "old-shop|1", "provider": "auth0", "connection": "old-shop", "isSocial": False}
    ]
    assert "legacy-access-1" not in second.content.decode()  # tokens stay on the stored identity


@pytest.mark.parametrize(
    "script, status, code",
    [
        ("function login(e, p, cb) { cb(new WrongUsernameOrPasswordError(e)); }", 401, "wrong_username_or_password"),
        ("function login(e, p, cb) { cb(new UnauthorizedError('Blocked.')); }", 401, "unauthorized"),
        ("function login(e, p, cb) { cb(new Error('down')); }", 502, "script_error"),
        ("function login(e, p, cb) { }", 504, "script_timeout"),
    ],
    ids=["wrong", "unauthorized", "error", "timeout"],
)
def test_authenticate_answers_each_failure_with_its_documented_error(runtime, db, users_api, script, status, code):
    connection = connection_in_mode(
        name="refuser",
        mode="legacy",
        script_timeout_s=1,
        scripts={
            "login": script,
            **dict.fromkeys(["get_user", "create", "verify", "change_password", "delete", "change_email"], ""),
        },
    )

    response = users_api.post(
        _url(connection, "authenticate"), {"username": "a@b.test", "password": "x"}, format="json"
    )

    assert response.status_code == status
    assert response.json()["errorCode"] == code and response.json()["statusCode"] == status


def test_authenticate_says_when_scriptd_is_down(settings, tmp_path, migrating, users_api):
    settings.SCRIPTD_SOCKET = str(tmp_path / "gone.sock")

    response = users_api.post(
        _url(migrating, "authenticate"), {"username": "ada@legacy.test", "password": "x"}, format="json"
    )

    assert response.status_code == 503 and response.json()["errorCode"] == "scriptd_unavailable"


def test_the_flows_need_the_authenticate_users_scope(migrating, api_for, editor, viewer):
    body = {"username": "ada@legacy.test", "password": PASSWORD}
    assert (
        api_for(editor, "read:connections").post(_url(migrating, "authenticate"), body, format="json").status_code
        == 403
    )
    # A viewer cannot even be issued the scope: their permissions do not cover it.
    with pytest.raises(ValidationError, match="lacks the permissions"):
        api_for(viewer, "authenticate:users")
    assert api_for(editor, "authenticate:users").get(_url(migrating, "users")).status_code == 200
    assert not FlowEvent.objects.exists()


def test_signup_is_201_then_409_for_the_same_email(runtime, migrating, users_api):
    body = {"email": "new@shop.test", "password": "pw-1", "user_metadata": {"plan": "free"}}

    created = users_api.post(_url(migrating, "signup"), body, format="json")
    again = users_api.post(_url(migrating, "signup"), body, format="json")

    assert created.status_code == 201 and created.json()["user_metadata"] == {"plan": "free"}
    assert again.status_code == 409 and again.json()["errorCode"] == "user_exists"
    assert ManagedUser.objects.count() == 1


def test_change_password_verify_and_change_email_through_the_api(runtime, legacy, users_api):
    changed = users_api.post(
        _url(legacy, "change-password"), {"email": "bob@legacy.test", "password": "n3w"}, format="json"
    )
    verified = users_api.post(_url(legacy, "verify"), {"email": "bob@legacy.test"}, format="json")
    moved = users_api.post(
        _url(legacy, "change-email"),
        {"email": "bob@legacy.test", "new_email": "b@new.test", "verified": True},
        format="json",
    )
    missing = users_api.post(_url(legacy, "change-password"), {"email": "who@x.test", "password": "n3w"}, format="json")

    assert [r.status_code for r in (changed, verified, moved)] == [200, 200, 200]
    assert changed.json() == {"trickle_path": "legacy", "user": None}
    assert missing.status_code == 404 and missing.json()["errorCode"] == "user_not_found"


def test_users_list_searches_pages_and_hides_tokens_then_delete_removes_one(
    runtime, migrating, users_api, django_assert_max_num_queries
):
    for email in ("ada@legacy.test", "bob@legacy.test"):
        users_api.post(_url(migrating, "authenticate"), {"username": email, "password": PASSWORD}, format="json")

    with django_assert_max_num_queries(6):  # token, throttle, connection, count, page: not one per user
        listed = users_api.get(_url(migrating, "users"), {"q": "bob"})
    assert listed.status_code == 200
    body = listed.json()
    assert body["total"] == 1 and body["users"][0]["email"] == "bob@legacy.test"
    assert body["users"][0]["logins_count"] == 1 and body["users"][0]["trickle_migrated_at"]
    assert "legacy-access" not in listed.content.decode()

    deleted = users_api.delete(_url(migrating, "users/auth0|old-shop|2"))
    gone = users_api.delete(_url(migrating, "users/old-shop|2"))

    assert deleted.status_code == 204 and gone.status_code == 404
    assert list(ManagedUser.objects.values_list("email", flat=True)) == ["ada@legacy.test"]


def test_authenticate_answers_a_sandbox_crash_with_its_own_error(migrating, users_api, monkeypatch):
    from scriptd_client import client as scriptd

    died = scriptd.RunOutcome(result={"type": "result", "status": "crash", "error": {"message": "worker exited"}})
    monkeypatch.setattr(scriptd, "run_script_collect", lambda **kwargs: died)

    response = users_api.post(
        _url(migrating, "authenticate"), {"username": "ada@legacy.test", "password": "x"}, format="json"
    )

    assert response.status_code == 502 and response.json()["errorCode"] == "script_crash"


def test_verify_without_a_verify_script_says_the_connection_does_not_offer_it(db, users_api):
    # As in Auth0, an optional script that is not defined means its feature is off: a 400, not a server error.
    scripts = {"login": "function login(e, p, cb) { cb(null, null); }"} | dict.fromkeys(
        ["get_user", "create", "verify", "change_password", "delete", "change_email"], ""
    )
    connection = connection_in_mode(name="no-verify", mode="legacy", scripts=scripts)

    response = users_api.post(_url(connection, "verify"), {"email": "bob@legacy.test"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["statusCode"] == 400 and body["error"] == "Bad Request"
    assert body["errorCode"] == "script_not_implemented"
    assert "Verify script of no-verify is not defined" in body["message"]
