"""Every flow in legacy and migration mode, through the real scriptd, with the in-script legacy store."""

import pytest

from connections_admin.models import AuditEvent
from identity import services
from identity.exceptions import FlowFailed
from identity.models import FlowEvent, ManagedUser
from scripts_editor.models import ScriptDeployment
from scripts_editor.scripts import SCRIPT_KEYS

from .conftest import connection_in_mode
from .legacy_scripts import PASSWORD

pytestmark = [pytest.mark.scriptd, pytest.mark.django_db]


def _fails(reason, call, **kwargs):
    with pytest.raises(FlowFailed) as caught:
        call(**kwargs)
    assert caught.value.reason == reason, caught.value.message
    return caught.value


# ---- login -----------------------------------------------------------------------------------------
def test_a_first_login_in_migration_mode_stores_the_user_with_the_typed_password(runtime, migrating):
    result = services.user_login(connection=migrating, username="Ada@Legacy.test", password=PASSWORD)

    user = ManagedUser.objects.get(connection=migrating)
    assert result.path == "migrated" and result.user == user
    assert user.user_id == "old-shop|1" and user.email == "ada@legacy.test" and user.is_managed
    assert user.check_password(PASSWORD) and not user.password.startswith("$2")  # Django's hash, not bcrypt's
    assert user.migrated_at and user.logins_count == 1 and user.last_login
    assert user.app_metadata == {"plan": "gold"} and user.user_metadata == {"lang": "en"}
    assert user.identity["access_token"] == "legacy-access-1"
    event = result.event
    assert event.succeeded and [r["script"] for r in event.script_runs] == ["login"]
    assert any("legacy login ok" in line["text"] for line in event.script_runs[0]["logs"])
    assert AuditEvent.objects.filter(
        connection=migrating, action=AuditEvent.Action.USER_MIGRATED, detail__user_id="old-shop|1"
    ).exists()


def test_a_migrated_user_is_answered_locally_and_the_legacy_store_is_never_called(runtime, migrating):
    services.user_login(connection=migrating, username="ada@legacy.test", password=PASSWORD)
    # Had the legacy store been asked, this login script would refuse everyone.
    _with_scripts(migrating, login="function login(e, p, callback) { callback(new Error('legacy store called')); }")

    result = services.user_login(connection=migrating, username="ada", password=PASSWORD)

    assert result.path == "managed" and result.event.script_runs == []
    assert ManagedUser.objects.get().logins_count == 2
    _fails(
        "wrong_username_or_password",
        services.user_login,
        connection=migrating,
        username="ada@legacy.test",
        password="not-it",
    )


def test_a_login_in_legacy_mode_caches_the_profile_and_nothing_about_the_password(runtime, legacy):
    result = services.user_login(connection=legacy, username="bob@legacy.test", password=PASSWORD)
    services.user_login(connection=legacy, username="bob@legacy.test", password=PASSWORD)

    user = ManagedUser.objects.get()
    assert result.path == "legacy" and not user.is_managed and not user.has_password
    assert user.migrated_at is None and user.logins_count == 2
    assert FlowEvent.objects.filter(flow="login", path="legacy", succeeded=True).count() == 2


@pytest.mark.parametrize(
    "body, reason",
    [
        ("function login(e, p, cb) { cb(new WrongUsernameOrPasswordError(e)); }", "wrong_username_or_password"),
        ("function login(e, p, cb) { cb(new UnauthorizedError('Blocked.')); }", "unauthorized"),
        ("function login(e, p, cb) { cb(new Error('ECONNREFUSED')); }", "script_error"),
        ("function login(e, p, cb) { cb(null, null); }", "no_profile"),
        ("function login(e, p, cb) { cb(); }", "no_profile"),
        ("function login(e, p, cb) { }", "script_timeout"),
        ("function login(e, p, cb) { cb(null, { email: e }); }", "invalid_profile"),
    ],
    ids=["wrong", "unauthorized", "error", "null", "nothing", "timeout", "no-user-id"],
)
def test_each_refusal_of_the_login_script_is_a_distinct_recorded_reason(runtime, db, body, reason):
    connection = connection_in_mode(
        name="refuser",
        mode="migration",
        scripts={
            "login": body,
            "get_user": "",
            "create": "",
            "verify": "",
            "change_password": "",
            "delete": "",
            "change_email": "",
        },
        script_timeout_s=1,
    )

    failure = _fails(reason, services.user_login, connection=connection, username="x@y.test", password="pw")

    assert not ManagedUser.objects.exists()
    event = FlowEvent.objects.get()
    assert (event.succeeded, event.reason, event.path) == (False, reason, "legacy")
    assert failure.event == event
    assert AuditEvent.objects.filter(action=AuditEvent.Action.USER_EVENT, detail__outcome=reason).exists()


def test_a_sandbox_worker_dying_mid_login_is_a_crash(runtime, migrating, monkeypatch):
    from scriptd_client import client as scriptd

    died = scriptd.RunOutcome(result={"type": "result", "status": "crash", "error": {"message": "worker exited"}})
    monkeypatch.setattr(scriptd, "run_script_collect", lambda **kwargs: died)

    failure = _fails(
        "script_crash", services.user_login, connection=migrating, username="ada@legacy.test", password=PASSWORD
    )

    assert "worker exited" in failure.message and failure.status_code == 502


# About 48 MB of numbers: fits the default 128 MB, not a 32 MB limit.
ALLOCATES_48_MB = """function login(email, password, callback) {
  const keep = [];
  for (let i = 0; i < 24; i++) keep.push(new Array(1 << 18).fill(i + 0.5));
  callback(null, { user_id: 'big|' + email, email: email, n: keep.length });
}"""


def test_a_login_runs_within_the_deployments_memory_limit(runtime, settings, db):
    connection = connection_in_mode(
        name="hungry", mode="legacy", scripts={k: "" for k in SCRIPT_KEYS} | {"login": ALLOCATES_48_MB}
    )
    assert services.user_login(connection=connection, username="ada@legacy.test", password="pw").user is not None

    settings.SCRIPT_MEMORY_MB = 32  # TRICKLE_SCRIPT_MEMORY_MB: logins get it as Try runs do
    failure = _fails(
        "script_crash", services.user_login, connection=connection, username="bo@legacy.test", password="pw"
    )

    assert "memory limit of 32 MB" in failure.message
    assert FlowEvent.objects.latest("pk").script_runs[0]["error"]["name"] == "MemoryError"


def test_a_login_when_scriptd_is_down_is_reported_as_such(settings, migrating, tmp_path):
    settings.SCRIPTD_SOCKET = str(tmp_path / "nobody.sock")

    _fails(
        "scriptd_unavailable", services.user_login, connection=migrating, username="ada@legacy.test", password=PASSWORD
    )

    assert FlowEvent.objects.get().reason == "scriptd_unavailable"


def test_a_connection_without_its_own_database_only_knows_its_managed_users(db):
    connection = connection_in_mode(name="plain", mode="managed")
    services.user_signup(connection=connection, email="new@plain.test", password="pw-1")

    assert services.user_login(connection=connection, username="new@plain.test", password="pw-1").path == "managed"
    _fails(
        "wrong_username_or_password",
        services.user_login,
        connection=connection,
        username="x@plain.test",
        password="pw-1",
    )


# ---- consistency ------------------------------------------------------------------------------------
def _with_scripts(connection, **bodies):
    """A new live revision with some bodies replaced (stored directly: these tests are not about saving)."""
    current = connection.script_revisions.order_by("-number").first()
    revision = connection.script_revisions.create(
        number=current.number + 1, bodies=current.bodies | bodies, author_label="t"
    )
    ScriptDeployment.objects.filter(connection=connection).update(live_number=revision.number)


def test_two_users_with_one_email_are_refused_not_duplicated(runtime, either_mode):
    _with_scripts(
        either_mode, login="function login(e, p, cb) { cb(null, { user_id: 'old-shop|' + e, email: 'same@x.test' }); }"
    )
    services.user_login(connection=either_mode, username="first", password="pw")

    failure = _fails("duplicate_email", services.user_login, connection=either_mode, username="second", password="pw")

    assert ManagedUser.objects.count() == 1
    assert "belongs to user_id 'old-shop|first'" in failure.message


def test_a_user_id_that_changes_between_logins_of_one_email_is_refused(runtime, legacy):
    _with_scripts(
        legacy, login="function login(e, p, cb) { cb(null, { user_id: 'old-shop|' + Math.random(), email: e }); }"
    )
    services.user_login(connection=legacy, username="ada@legacy.test", password="pw")

    failure = _fails(
        "user_id_changed", services.user_login, connection=legacy, username="ada@legacy.test", password="pw"
    )

    assert ManagedUser.objects.count() == 1 and "must be stable" in failure.message
    assert FlowEvent.objects.filter(reason="user_id_changed").count() == 1


# ---- sign-up ----------------------------------------------------------------------------------------
def test_a_legacy_sign_up_runs_get_user_then_create_then_login(runtime, legacy):
    # The in-script store cannot grow: the new user is one login knows, get_user does not and create accepts.
    _with_scripts(
        legacy,
        get_user="function getUser(email, callback) { callback(null); }",
        create="function create(user, cb) { console.log('insert', JSON.stringify(user)); cb(null); }",
    )

    result = services.user_signup(
        connection=legacy, email="ada@legacy.test", password=PASSWORD, user_metadata={"colour": "teal"}
    )

    assert [r["script"] for r in result.event.script_runs] == ["get_user", "create", "login"]
    inserted = result.event.script_runs[1]["logs"][0]["text"]
    assert '"user_metadata":{"colour":"teal"}' in inserted and '"connection":"old-shop"' in inserted
    assert PASSWORD not in inserted  # the flow masks the password in what it records
    assert result.user.user_id == "old-shop|1" and not result.user.has_password


def test_a_sign_up_for_an_email_the_legacy_store_knows_is_user_exists(runtime, either_mode):
    _fails("user_exists", services.user_signup, connection=either_mode, email="ada@legacy.test", password="pw")
    assert not ManagedUser.objects.exists()


def test_create_answering_validation_error_user_exists_is_user_exists(runtime, legacy):
    _with_scripts(legacy, get_user="function getUser(email, callback) { callback(null); }")

    event = _fails("user_exists", services.user_signup, connection=legacy, email="bob@legacy.test", password="pw").event

    assert [r["script"] for r in event.script_runs] == ["get_user", "create"]


def test_a_migration_mode_sign_up_creates_a_local_user_once_get_user_says_the_email_is_free(runtime, migrating):
    result = services.user_signup(connection=migrating, email="New@Shop.test", password="pw-new")

    assert result.path == "managed" and [r["script"] for r in result.event.script_runs] == ["get_user"]
    user = result.user
    assert user.email == "new@shop.test" and user.is_managed and user.migrated_at is None
    assert services.user_login(connection=migrating, username="new@shop.test", password="pw-new").path == "managed"
    _fails("user_exists", services.user_signup, connection=migrating, email="new@shop.test", password="again")


# ---- change password --------------------------------------------------------------------------------
def test_changing_a_migrated_users_password_happens_locally(runtime, migrating):
    services.user_login(connection=migrating, username="ada@legacy.test", password=PASSWORD)

    result = services.user_password_change(connection=migrating, email="ada@legacy.test", new_password="new-pw-1")

    assert result.path == "managed" and result.event.script_runs == []
    assert ManagedUser.objects.get().check_password("new-pw-1")


def test_a_password_reset_in_migration_mode_migrates_the_user_with_the_new_password(runtime, migrating):
    result = services.user_password_change(connection=migrating, email="bob@legacy.test", new_password="new-pw-2")

    assert result.path == "migrated" and [r["script"] for r in result.event.script_runs] == ["get_user"]
    user = ManagedUser.objects.get()
    assert user.user_id == "old-shop|2" and user.check_password("new-pw-2") and user.migrated_at
    assert services.user_login(connection=migrating, username="bob@legacy.test", password="new-pw-2").path == "managed"
    _fails("user_not_found", services.user_password_change, connection=migrating, email="who@x.test", new_password="x")


def test_a_legacy_password_change_runs_change_password_and_stores_nothing(runtime, legacy):
    result = services.user_password_change(connection=legacy, email="bob@legacy.test", new_password="new-pw-3")

    assert result.path == "legacy" and "last_password_reset" in result.value
    assert not ManagedUser.objects.exists()
    _fails("user_not_found", services.user_password_change, connection=legacy, email="who@x.test", new_password="x")


# ---- verify, change email, delete ------------------------------------------------------------------
def test_verify_runs_the_script_in_legacy_mode_and_is_local_for_managed_users(runtime, legacy, db):
    assert services.user_email_verify(connection=legacy, email="bob@legacy.test").path == "legacy"
    _fails("script_error", services.user_email_verify, connection=legacy, email="who@x.test")

    migrating = connection_in_mode(name="moving", mode="migration")
    services.user_login(connection=migrating, username="bob@legacy.test", password=PASSWORD)
    assert services.user_email_verify(connection=migrating, email="bob@legacy.test").path == "managed"
    assert ManagedUser.objects.get(connection=migrating).email_verified
    _fails("user_not_found", services.user_email_verify, connection=migrating, email="ada@legacy.test")


def test_change_email_in_legacy_mode_checks_the_new_email_then_runs_change_email(runtime, legacy):
    services.user_login(connection=legacy, username="bob@legacy.test", password=PASSWORD)

    result = services.user_email_change(
        connection=legacy, email="bob@legacy.test", new_email="robert@new.test", verified=True
    )

    assert [r["script"] for r in result.event.script_runs] == ["get_user", "change_email"]
    assert ManagedUser.objects.get().email == "robert@new.test"
    _fails(
        "user_exists",
        services.user_email_change,
        connection=legacy,
        email="robert@new.test",
        new_email="ada@legacy.test",
    )


def test_change_email_in_migration_mode_is_local_for_migrated_users_and_imports_the_others(runtime, migrating):
    services.user_login(connection=migrating, username="ada@legacy.test", password=PASSWORD)
    assert (
        services.user_email_change(connection=migrating, email="ada@legacy.test", new_email="ada@new.test").path
        == "managed"
    )

    result = services.user_email_change(connection=migrating, email="bob@legacy.test", new_email="bob@new.test")

    assert result.path == "migrated"
    bob = ManagedUser.objects.get(user_id="old-shop|2")
    assert bob.email == "bob@new.test" and bob.is_managed and not bob.has_password  # resets to get one


def test_deleting_a_managed_user_never_touches_the_legacy_store(runtime, migrating):
    services.user_login(connection=migrating, username="ada@legacy.test", password=PASSWORD)

    result = services.user_delete(connection=migrating, user_id="auth0|old-shop|1")

    assert result.path == "managed" and result.event.script_runs == []
    assert not ManagedUser.objects.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.USER_DELETED).count() == 1
    _fails("user_not_found", services.user_delete, connection=migrating, user_id="old-shop|1")


def test_deleting_in_legacy_mode_runs_delete_and_drops_the_cached_profile(runtime, legacy):
    services.user_login(connection=legacy, username="ada@legacy.test", password=PASSWORD)

    result = services.user_delete(connection=legacy, user_id="old-shop|1")

    assert result.path == "legacy" and "would delete old-shop|1" in result.event.script_runs[0]["logs"][0]["text"]
    assert not ManagedUser.objects.exists()


def test_a_password_a_script_logs_never_reaches_the_run_record(runtime, migrating):
    _with_scripts(
        migrating,
        login="function login(e, p, cb) { console.log('got', e, p); cb(null, { user_id: 'x|1', email: e }); }",
    )

    event = services.user_login(connection=migrating, username="z@legacy.test", password="s3cret-typed").event

    assert "s3cret-typed" not in str(event.script_runs) and "got z@legacy.test" in str(event.script_runs)
    assert "s3cret-typed" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


def test_the_admin_lists_users_without_their_hash_or_tokens(runtime, migrating, admin_client):
    services.user_login(connection=migrating, username="ada@legacy.test", password=PASSWORD)
    user = ManagedUser.objects.get()

    page = admin_client.get(f"/admin/identity/manageduser/{user.pk}/change/").content.decode()

    assert "ada@legacy.test" in page and user.password not in page and "legacy-access-1" not in page
