"""The log: Auth0 event types for every flow and admin change, GET /api/v2/logs, the Logs page; never a secret."""

import pytest

from identity import services
from identity.exceptions import FlowFailed
from identity.models import LogEvent

from .legacy_scripts import PASSWORD

pytestmark = [pytest.mark.scriptd, pytest.mark.django_db]


def _flows(connection):
    """One of each: s (migrated), fp, s (managed), scp, sv, fu on delete, sdu (the fixture's own entries,
    creating the connection and saving its scripts, are cleared first)."""
    LogEvent.objects.all().delete()
    services.user_login(connection=connection, username="ada@legacy.test", password=PASSWORD, ip="198.51.100.1")
    with pytest.raises(FlowFailed):
        services.user_login(
            connection=connection,
            username="ada@legacy.test",
            password="nope-secret-guess",
            ip="198.51.100.1",
            user_agent="Bot/1",
        )
    services.user_login(
        connection=connection, username="ada", password=PASSWORD, ip="198.51.100.1", user_agent="Mozilla/5.0"
    )
    services.user_password_change(connection=connection, email="ada@legacy.test", new_password="next-Secret-9")
    services.user_email_verify(connection=connection, email="ada@legacy.test")
    with pytest.raises(FlowFailed):
        services.user_delete(connection=connection, user_id="nobody")
    services.user_delete(connection=connection, user_id="old-shop|1")


def test_every_flow_writes_its_auth0_type_with_ip_agent_and_user(runtime, migrating):
    _flows(migrating)

    rows = list(LogEvent.objects.order_by("id").values_list("type", "ip", "user_agent", "user_id", "connection_name"))
    assert [r[0] for r in rows] == ["s", "fp", "s", "scp", "sv", "fdu", "sdu"]
    assert rows[1][1:3] == ("198.51.100.1", "Bot/1") and rows[2][2] == "Mozilla/5.0"
    assert rows[0][3] == "auth0|old-shop|1" and {r[4] for r in rows} == {"old-shop"}
    dumped = str(list(LogEvent.objects.values()))
    for secret in (PASSWORD, "nope-secret-guess", "next-Secret-9", "legacy-access-1", "$2"):
        assert secret not in dumped


def test_the_api_searches_and_pages_like_auth0(runtime, migrating, api_for, editor, viewer):
    _flows(migrating)
    api = api_for(viewer, "read:logs")

    everything = api.get("/api/v2/logs").json()
    assert [e["type"] for e in everything] == ["sdu", "fdu", "sv", "scp", "s", "fp", "s"]  # newest first
    assert everything[0]["connection"] == "old-shop" and everything[0]["strategy"] == "auth0"
    assert [e["type"] for e in api.get("/api/v2/logs?type=s,fp").json()] == ["s", "fp", "s"]
    mine = api.get("/api/v2/logs?user=auth0|old-shop|1").json()
    assert [e["type"] for e in mine] == ["sdu", "sv", "scp", "s", "s"]
    assert api.get("/api/v2/logs?connection=other").json() == []
    assert api.get("/api/v2/logs?date_from=2999-01-01T00:00:00Z").json() == []

    totals = api.get("/api/v2/logs?page=1&per_page=3&include_totals=true").json()
    assert (totals["start"], totals["limit"], totals["length"], totals["total"]) == (3, 3, 3, 7)
    assert [e["type"] for e in totals["logs"]] == ["scp", "s", "fp"]

    first = api.get("/api/v2/logs?from=0&take=4").json()
    rest = api.get(f"/api/v2/logs?from={first[-1]['log_id']}&take=100").json()
    assert [e["type"] for e in first + rest] == ["s", "fp", "s", "scp", "sv", "fdu", "sdu"]  # oldest first
    one = api.get(f"/api/v2/logs/{first[1]['log_id']}").json()
    assert one["type"] == "fp" and one["ip"] == "198.51.100.1"

    bad = api.get("/api/v2/logs?type=nope")
    assert bad.status_code == 400 and "Unknown type nope" in bad.json()["message"]
    assert api_for(viewer, "read:connections").get("/api/v2/logs").status_code == 403


def test_the_logs_page_filters_and_is_for_staff_only(
    runtime, migrating, viewer_client, outsider_client, anonymous_client
):
    _flows(migrating)

    page = viewer_client.get("/logs/?type=fp").content.decode()
    assert page.count('data-type="fp"') == 1 and 'data-type="s"' not in page and "Bot/1" in page
    assert "nope-secret-guess" not in viewer_client.get("/logs/").content.decode()
    assert viewer_client.get("/logs/?user=ada&connection=old-shop").content.decode().count("data-log=") == 5
    assert outsider_client.get("/logs/").status_code == 403
    assert anonymous_client.get("/logs/").status_code == 302


def test_admin_changes_to_connections_are_logged_without_values(editor):
    from connections_admin import services as connections

    connection = connections.connection_create(name="audited", by=editor)
    connections.configuration_variable_set(connection=connection, key="DB_PASSWORD", value="hunter2-secret", by=editor)
    connections.connection_delete(connection=connection, by=editor)

    rows = list(LogEvent.objects.order_by("id").values_list("type", "description", "connection_name", "actor_label"))
    assert rows == [
        ("sapi", "Create a connection", "audited", "editor"),
        ("sapi", "Set a configuration variable", "audited", "editor"),
        ("sapi", "Delete a connection", "audited", "editor"),
    ]
    assert LogEvent.objects.filter(details__key="DB_PASSWORD").count() == 1
    assert "hunter2-secret" not in str(list(LogEvent.objects.values()))


def test_the_logs_page_reads_a_fixed_number_of_queries(viewer_client, django_assert_num_queries):
    from connections_admin import services as connections

    for n in range(30):
        connections.connection_create(name=f"c{n}", by=None)
    with django_assert_num_queries(7):  # session, user, two permission reads, connection names, count, page
        assert viewer_client.get("/logs/").status_code == 200
