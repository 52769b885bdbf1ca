"""How many are left: the legacy population (CSV, get_user walk through the real scriptd), the Migration tab's
counts and export, and retiring the legacy store."""

import io
import json
import time

import bcrypt
import pytest

from connections_admin.models import Connection
from identity import imports, population, services
from identity.exceptions import FlowFailed
from identity.models import LegacyUser, UserImportJob

from .conftest import connection_in_mode
from .legacy_scripts import PASSWORD

pytestmark = [pytest.mark.scriptd, pytest.mark.django_db]

CSV = "email,user_id\nada@legacy.test,\nBob@Legacy.test,\ncarol@legacy.test,\n,\nnot-an-email,\nada@legacy.test,\n"


def _upload(client, connection, text=CSV, **extra):
    return client.post(
        f"/connections/{connection.public_id}/migration/population/", {"file": io.BytesIO(text.encode()), **extra}
    )


def test_the_remaining_count_falls_as_users_log_in(runtime, migrating, editor_client, viewer_client):
    assert _upload(viewer_client, migrating).status_code == 403
    _upload(editor_client, migrating)
    assert sorted(LegacyUser.objects.values_list("email", flat=True)) == [
        "ada@legacy.test",
        "bob@legacy.test",
        "carol@legacy.test",
    ]
    before = population.population_summary(connection=migrating)
    assert (before.total, before.migrated, before.remaining, before.percent) == (3, 0, 3, 0.0)

    services.user_login(connection=migrating, username="ada@legacy.test", password=PASSWORD)
    after = population.population_summary(connection=migrating)
    assert (after.migrated, after.remaining, after.percent) == (1, 2, 33.3)
    assert after.remaining_by_day[-1] == 2

    page = viewer_client.get(f"/connections/{migrating.public_id}/migration/").content.decode()
    assert 'data-population="remaining">2<' in page and 'data-population="percent">33.3 %<' in page
    export = b"".join(
        viewer_client.get(f"/connections/{migrating.public_id}/migration/remaining.csv").streaming_content
    )
    assert export.decode().splitlines() == [
        "email,user_id,found_by_get_user",
        "bob@legacy.test,,",
        "carol@legacy.test,,",
    ]


def test_the_get_user_walk_confirms_who_exists(runtime, migrating, editor):
    population.legacy_population_upload(connection=migrating, text=CSV, replace=False, by=editor)

    assert population.legacy_population_walk(connection_id=migrating.pk) == 3
    found = dict(LegacyUser.objects.values_list("email", "found"))
    assert found == {"ada@legacy.test": True, "bob@legacy.test": True, "carol@legacy.test": False}
    assert LegacyUser.objects.get(email="bob@legacy.test").user_id == "old-shop|2"
    assert population.legacy_population_walk(connection_id=migrating.pk) == 0  # nobody is asked twice
    assert not migrating.managed_users.exists()  # the walk stores nobody


def test_retiring_waits_for_everyone_then_turns_the_legacy_store_off(
    runtime, migrating, editor, editor_client, settings
):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "identity.hashers.ImportedPasswordHasher",
    ]
    url = f"/connections/{migrating.public_id}/migration/retire/"
    refused = editor_client.post(url, {"confirm_name": "old-shop"})
    assert "Give Trickle the legacy population first" in refused.content.decode()

    population.legacy_population_upload(connection=migrating, text=CSV, replace=False, by=editor)
    services.user_login(connection=migrating, username="ada@legacy.test", password=PASSWORD)
    refused = editor_client.post(url, {"confirm_name": "old-shop"})
    assert "2 listed users have not migrated" in refused.content.decode()

    rows = [
        {
            "email": "bob@legacy.test",
            "user_id": "old-shop|2",
            "password_hash": bcrypt.hashpw(b"bobs-pw-1", bcrypt.gensalt(4)).decode(),
        }
    ]
    job = imports.user_import_create(connection=migrating, text=json.dumps(rows), upsert=False, by=editor)
    UserImportJob.objects.filter(pk=job.pk).update(status="processing")
    imports.user_import_run(job_id=job.pk)
    assert population.population_summary(connection=migrating).remaining == 1  # carol

    editor_client.post(url, {"action": "accept_lost"})
    assert population.population_summary(connection=migrating).lost == 1
    assert "Type the connection" in editor_client.post(url, {"confirm_name": "wrong"}).content.decode()
    done = editor_client.post(url, {"confirm_name": "old-shop"}).content.decode()

    assert "data-retired" in done and "data-final-summary" in done
    connection = Connection.objects.get(pk=migrating.pk)
    assert connection.use_own_database is False and connection.mode == "managed"
    # Everyone migrated logs in locally; the legacy store is no longer asked about anyone.
    assert (
        services.user_login(connection=connection, username="bob@legacy.test", password="bobs-pw-1").path == "managed"
    )
    with pytest.raises(FlowFailed) as caught:
        services.user_login(connection=connection, username="carol@legacy.test", password=PASSWORD)
    assert caught.value.event.script_runs == []


@pytest.mark.django_db(transaction=True)
def test_the_walk_runs_in_the_background_worker(runtime, celery_worker_on_redis, editor):
    connection = connection_in_mode(name="old-shop", mode="migration")
    population.legacy_population_upload(connection=connection, text=CSV, replace=False, by=editor)

    assert population.legacy_population_walk_start(connection=connection, by=editor) == 3
    deadline = time.monotonic() + 60
    while LegacyUser.objects.filter(found__isnull=True).exists():
        assert time.monotonic() < deadline, "the walk did not finish"
        time.sleep(0.2)
    assert LegacyUser.objects.filter(found=True).count() == 2
    assert population.legacy_population_walk_start(connection=connection, by=editor) == 0
