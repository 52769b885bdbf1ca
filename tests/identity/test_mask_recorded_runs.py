"""The data migration that masks login records stored before the one masking rule."""

import importlib

import pytest
from django.apps import apps

from connections_admin import services as connections
from identity.models import FlowEvent
from tests.factories import ConnectionFactory

migration = importlib.import_module("identity.migrations.0002_mask_recorded_runs")
pytestmark = pytest.mark.django_db


def test_old_login_records_are_masked_with_the_connections_secret_values_and_plain_ones_are_left():
    connection = ConnectionFactory(name="old-records")
    connections.configuration_variable_set(connection=connection, key="DB_PASS", value="s3cr3t-db-pw", by=None)
    connections.configuration_variable_set(connection=connection, key="PG_PORT", value="5432", plain=True, by=None)
    run = {
        "script": "login",
        "status": "ok",
        "ms": 3,
        "value": {"note": "conn=s3cr3t-db-pw!", "port": "5432"},
        "error": {},
        "logs": [{"level": "log", "text": "pw s3cr3t-db-pw at :5432", "time": "2026-01-01T00:00:00Z"}],
    }
    unavailable = {"script": "login", "status": "unavailable", "ms": 0, "error": {"message": "down"}, "logs": []}
    event = FlowEvent.objects.create(
        connection=connection,
        flow="login",
        path="legacy",
        succeeded=True,
        identifier="ada",
        script_runs=[run, unavailable],
    )

    migration.mask_recorded_runs(apps, None)

    event.refresh_from_db()
    assert event.script_runs == [
        run
        | {
            "value": {"note": "conn=********!", "port": "5432"},
            "logs": [run["logs"][0] | {"text": "pw ******** at :5432"}],
        },
        unavailable,
    ]
