"""options.trickle_plain_configuration: plain values are read in full, secrets stay write-only and masked."""

import pytest

from connections_admin import selectors
from connections_admin.models import AuditEvent, ConfigurationVariable, Connection

SECRET = "s3cr3t-db-passw0rd"
MASKED = "••••••••"


@pytest.fixture
def api(editor, api_for):
    return api_for(editor)


def _create(api, **options):
    return api.post(
        "/api/v2/connections", {"name": "legacy-db", "strategy": "auth0", "options": options}, format="json"
    )


def _created(api):
    response = _create(
        api,
        configuration={"PG_PORT": "5432", "PG_SSL": "true", "DB_PASS": SECRET},
        trickle_plain_configuration=["PG_PORT", "PG_SSL"],
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_reads_show_plain_values_in_full_and_secrets_masked(api):
    body = _created(api)
    read = api.get(f"/api/v2/connections/{body['id']}").json()
    for options in (body["options"], read["options"]):
        assert options["configuration"] == {"DB_PASS": MASKED, "PG_PORT": "5432", "PG_SSL": "true"}
        assert options["trickle_plain_configuration"] == ["PG_PORT", "PG_SSL"]
    assert body["trickle_warnings"] == [] and "trickle_warnings" not in read
    listed = api.get("/api/v2/connections").json()
    assert SECRET not in str(listed) and listed[0]["options"]["configuration"]["PG_PORT"] == "5432"


def test_a_read_modify_write_cycle_keeps_secrets_and_flags(api):
    body = _created(api)
    url = f"/api/v2/connections/{body['id']}"
    options = api.get(url).json()["options"]
    options["configuration"]["PG_PORT"] = "6432"
    response = api.patch(url, {"options": options}, format="json")
    assert response.status_code == 200, response.json()
    connection = Connection.objects.get(public_id=body["id"])
    assert selectors.configuration_for_run(connection=connection) == {
        "DB_PASS": SECRET,  # the mask sent back kept the secret
        "PG_PORT": "6432",
        "PG_SSL": "true",
    }
    assert selectors.configuration_plain_keys(connection=connection) == {"PG_PORT", "PG_SSL"}


def test_without_the_option_a_patch_keeps_flags_and_new_keys_are_secret(api):
    body = _created(api)
    url = f"/api/v2/connections/{body['id']}"
    response = api.patch(
        url, {"options": {"configuration": {"PG_PORT": "6543", "API_KEY": "k-123456789"}}}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["options"]["trickle_plain_configuration"] == ["PG_PORT", "PG_SSL"]
    assert response.json()["options"]["configuration"]["API_KEY"] == MASKED


def test_listing_fewer_keys_makes_the_others_secret(api):
    body = _created(api)
    url = f"/api/v2/connections/{body['id']}"
    response = api.patch(url, {"options": {"trickle_plain_configuration": ["PG_PORT"]}}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["options"]["configuration"]["PG_SSL"] == MASKED
    assert ConfigurationVariable.objects.get(key="PG_SSL").plain is False


def test_a_secret_is_never_made_plain_without_its_value(api):
    body = _created(api)
    url = f"/api/v2/connections/{body['id']}"
    response = api.patch(
        url, {"options": {"trickle_plain_configuration": ["PG_PORT", "PG_SSL", "DB_PASS"]}}, format="json"
    )
    assert response.status_code == 400
    assert "DB_PASS is a secret; to make it plain, send its value" in response.json()["message"]
    assert SECRET not in response.content.decode()
    assert ConfigurationVariable.objects.get(key="DB_PASS").plain is False
    # With its value, it may be made plain.
    response = api.patch(
        url,
        {
            "options": {
                "configuration": {"DB_PASS": "not-secret-after-all"},
                "trickle_plain_configuration": ["PG_PORT", "PG_SSL", "DB_PASS"],
            }
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["options"]["configuration"]["DB_PASS"] == "not-secret-after-all"


def test_listing_a_key_that_does_not_exist_is_a_400_and_nothing_changes(api):
    response = _create(api, configuration={"A": "aaaaaaaaaa"}, trickle_plain_configuration=["B"])
    assert response.status_code == 400
    assert "B is not a configuration key" in response.json()["message"]
    assert not Connection.objects.exists()


def test_a_short_secret_is_saved_with_a_warning_in_the_answer(api):
    response = _create(api, configuration={"PIN": "e", "PORT": "5432"}, trickle_plain_configuration=["PORT"])
    assert response.status_code == 201, response.json()
    warnings = response.json()["trickle_warnings"]
    assert len(warnings) == 1 and warnings[0].startswith("PIN is shorter than 8 characters")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VARIABLE_SET, detail__key="PIN").exists()
