"""Fixtures for the identity runtime: connections in each mode whose scripts really run in scriptd."""

import pytest

from connections_admin import services as connections
from scripts_editor.services import scripts_save

from .legacy_scripts import in_script_store


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The managed store's hashing is Django's; its cost is not what these tests measure.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def runtime(settings, scriptd_socket):
    """Flows in this test reach the session's real scriptd."""
    settings.SCRIPTD_SOCKET = scriptd_socket
    return scriptd_socket


def connection_in_mode(*, name: str, mode: str, by=None, scripts: dict[str, str] | None = None, **fields):
    """A connection in "legacy", "migration" or "managed" mode, saved with `scripts` (default: the
    in-script store) through the editor's own save service."""
    connection = connections.connection_create(
        name=name, by=by, use_own_database=mode != "managed", import_users=mode == "migration", **fields
    )
    if mode != "managed":
        scripts_save(connection=connection, scripts=scripts or in_script_store(name), base_number=0, by=by)
    return connection


@pytest.fixture
def legacy(db):
    return connection_in_mode(name="old-shop", mode="legacy")


@pytest.fixture
def migrating(db):
    return connection_in_mode(name="old-shop", mode="migration")


@pytest.fixture(params=["legacy", "migration"])
def either_mode(request, db):
    return connection_in_mode(name="old-shop", mode=request.param)


from tests.scripts_editor.runs.conftest import celery_on, celery_worker_on_redis  # noqa: E402, F401
