"""Bulk import in Auth0's user-import format: every hash algorithm, per-row errors with their line, upsert,
the API and the dashboard, and 10,000 users through a real Celery worker who all log in afterwards."""

import io
import json
import time

import pytest

from identity import imports, services
from identity.models import LogEvent, ManagedUser, UserImportJob

from .conftest import connection_in_mode
from .import_users import FORMATS, password_of, user

FAST = "django.contrib.auth.hashers.MD5PasswordHasher"
IMPORTED = "identity.hashers.ImportedPasswordHasher"


@pytest.fixture
def hashers(settings):
    settings.PASSWORD_HASHERS = [FAST, IMPORTED]


def _run(job):
    """The worker's steps, in this thread: claim, then run."""
    UserImportJob.objects.filter(pk=job.pk).update(status="processing")
    imports.user_import_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def _text(users) -> str:
    return json.dumps(users, indent=2)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_each_algorithm_logs_in_and_is_upgraded_at_the_first_login(fmt, hashers, django_capture_on_commit_callbacks):
    shop = connection_in_mode(name="shop", mode="managed")
    job = _run(imports.user_import_create(connection=shop, text=_text([user(1, fmt)]), upsert=False, by=None))
    assert (job.status, job.inserted, job.failed, job.errors) == ("completed", 1, 0, [])
    stored = ManagedUser.objects.get(connection=shop)
    assert stored.password.startswith("imported$") and stored.is_managed and stored.migrated_at

    with pytest.raises(services.FlowFailed):
        services.user_login(connection=shop, username="user1@import.test", password="wrong")
    result = services.user_login(connection=shop, username="user1@import.test", password=password_of(1))
    stored.refresh_from_db()
    assert result.path == "managed" and stored.password.startswith("md5$")  # upgraded to the store's own
    assert services.user_login(connection=shop, username="user1@import.test", password=password_of(1))


@pytest.mark.django_db
def test_rows_are_reported_with_line_field_and_reason(hashers):
    shop = connection_in_mode(name="shop", mode="managed")
    ManagedUser.objects.create(connection=shop, user_id="old", email="taken@import.test", is_managed=True)
    rows = [
        user(1, "md5"),
        {"email": "not-an-email"},
        {"email": "x@import.test", "custom_password_hash": {"algorithm": "rot13", "hash": {"value": "x"}}},
        {"email": "y@import.test", "custom_password_hash": {"algorithm": "sha256", "hash": {"value": "zz"}}},
        {"email": "z@import.test", "password_hash": "plain"},
        {"email": "m@import.test", "user_metadata": []},
        {"email": "taken@import.test"},
        user(1, "md5"),
        {"email": "u@import.test", "favourite": 1},
        "just a string",
    ]
    job = _run(imports.user_import_create(connection=shop, text=_text(rows), upsert=False, by=None))

    found = [(e["line"], e["errors"][0]["path"], e["errors"][0]["code"]) for e in job.errors]
    assert [f[1:] for f in found] == [
        ("email", "INVALID_FORMAT"),
        ("custom_password_hash.algorithm", "INVALID_FORMAT"),
        ("custom_password_hash.hash.value", "INVALID_FORMAT"),
        ("password_hash", "INVALID_FORMAT"),
        ("user_metadata", "INVALID_FORMAT"),
        ("email", "DUPLICATED_USER"),
        ("email", "DUPLICATED_USER"),
        ("favourite", "INVALID_FORMAT"),
        ("", "INVALID_FORMAT"),
    ]
    text = _text(rows).splitlines()
    for line, _, _ in found:  # each reported line is where that row starts
        assert text[line - 1].strip() in ("{", '"just a string"')
    assert (job.inserted, job.failed, job.total) == (1, 9, 10)
    assert all(
        not {"password_hash", "custom_password_hash"} & set(e["user"])
        for e in job.errors
        if isinstance(e["user"], dict)
    )
    assert user(1, "md5")["custom_password_hash"]["hash"]["value"] not in json.dumps(job.errors)
    assert job.payload_encrypted == ""  # the file's hashes are not kept
    assert LogEvent.objects.filter(type="sapi", details__action="users_import").exists()


@pytest.mark.django_db
def test_upsert_updates_existing_users_and_their_hash(hashers):
    shop = connection_in_mode(name="shop", mode="managed")
    _run(imports.user_import_create(connection=shop, text=_text([user(1, "md5")]), upsert=False, by=None))
    again = [user(1, "sha256") | {"user_metadata": {"n": "new"}}, user(2, "argon2")]
    refused = _run(imports.user_import_create(connection=shop, text=_text(again), upsert=False, by=None))
    assert (refused.inserted, refused.updated, refused.failed) == (1, 0, 1)
    upserted = _run(imports.user_import_create(connection=shop, text=_text(again), upsert=True, by=None))
    assert (upserted.inserted, upserted.updated, upserted.failed) == (0, 2, 0)
    assert ManagedUser.objects.get(email="user1@import.test").user_metadata == {"n": "new"}
    assert services.user_login(connection=shop, username="user1@import.test", password=password_of(1))


@pytest.mark.django_db
def test_a_file_that_is_not_an_array_is_refused_whole(hashers):
    shop = connection_in_mode(name="shop", mode="managed")
    for text, words in [('{"email": "a@b.c"}', "JSON array"), ('[{"email": "a@b.c"},\n {"email": ]', "line 2")]:
        with pytest.raises(imports.ImportFileInvalid, match=words):
            imports.user_import_create(connection=shop, text=text, upsert=False, by=None)
    assert not UserImportJob.objects.exists()


@pytest.mark.django_db
def test_the_api_and_the_dashboard_start_jobs_and_report_them(
    hashers, api_for, editor, viewer, editor_client, viewer_client
):
    shop = connection_in_mode(name="shop", mode="managed")
    api = api_for(editor, "create:users")
    text = _text([user(1, "bcrypt"), {"email": "bad"}])
    bad_line = text.splitlines().index('    "email": "bad"')  # the line of its "{", counted from 1
    upload = io.BytesIO(text.encode())
    upload.name = "users.json"
    created = api.post(
        "/api/v2/jobs/users-imports",
        {"users": upload, "connection_id": shop.public_id, "upsert": "false"},
        format="multipart",
    )
    assert (
        created.status_code == 202
        and created.json()["status"] == "pending"
        and created.json()["type"] == "users_import"
    )
    job = _run(UserImportJob.objects.get(public_id=created.json()["id"]))
    status = api.get(f"/api/v2/jobs/{job.public_id}").json()
    assert status["status"] == "completed" and status["summary"] == {
        "failed": 1,
        "updated": 0,
        "inserted": 1,
        "total": 2,
    }
    errors = api.get(f"/api/v2/jobs/{job.public_id}/errors").json()
    assert errors == [
        {
            "line": bad_line,
            "user": {"email": "bad"},
            "errors": [{"code": "INVALID_FORMAT", "message": "Required: a valid email address.", "path": "email"}],
        }
    ]
    assert api_for(viewer, "read:users").get(f"/api/v2/jobs/{job.public_id}").status_code == 403

    page = editor_client.post(
        f"/connections/{shop.public_id}/users/import/",
        {"users": io.BytesIO(b'[{"email": "c@import.test"}]'), "upsert": "on"},
    )
    assert page.status_code == 302
    job = UserImportJob.objects.order_by("-id").first()
    assert job.upsert and viewer_client.get(f"/connections/{shop.public_id}/users/import/").status_code == 403
    _run(job)
    shown = editor_client.get(page["Location"]).content.decode()
    assert 'data-status="completed"' in shown and "data-inserted>1<" in shown
    bad = editor_client.post(f"/connections/{shop.public_id}/users/import/", {"users": io.BytesIO(b"nope")})
    assert bad.status_code == 400 and "JSON array" in bad.content.decode()


@pytest.mark.django_db(transaction=True)
def test_ten_thousand_users_of_mixed_formats_import_and_all_log_in(hashers, celery_worker_on_redis):
    shop = connection_in_mode(name="shop", mode="managed")
    users = [user(n, FORMATS[n % len(FORMATS)]) for n in range(10_000)]
    bad_at = {17: {"email": "broken"}, 4242: {"email": "x@y.test", "password_hash": "nope"}, 9999: 7}
    rows = [bad_at.get(n, u) for n, u in enumerate(users)]
    job = imports.user_import_create(connection=shop, text=_text(rows), upsert=False, by=None)

    deadline = time.monotonic() + 300
    while UserImportJob.objects.get(pk=job.pk).status != "completed":
        assert time.monotonic() < deadline, "the import did not finish"
        time.sleep(0.5)
    job.refresh_from_db()
    assert (job.total, job.inserted, job.failed) == (10_000, 9_997, 3)
    text = _text(rows).splitlines()
    assert sorted(text[e["line"] - 1].strip()[:1] for e in job.errors) == ["7", "{", "{"]
    assert [e["errors"][0]["path"] for e in job.errors] == ["email", "password_hash", ""]

    for n, u in enumerate(users):
        if n in bad_at:
            continue
        result = services.user_login(connection=shop, username=u["email"], password=password_of(n))
        assert result.path == "managed", n
    assert not ManagedUser.objects.filter(password__startswith="imported$").exists()  # every hash upgraded
