"""The API reports the connection services' problems (tests/connections_admin/test_validation.py) under the
option names of the body, every one at once."""

from connections_admin.models import Connection
from scriptd_client import limits

ALLOWLIST = "'no-port' is not host:port"
IMPORT = 'Import users needs "Use my own database" on.'


def test_the_api_reports_every_service_problem_under_its_option_name(api_for, editor):
    response = api_for(editor).post(
        "/api/v2/connections",
        {
            "name": "bad-settings",
            "options": {
                "import_mode": True,
                "trickle_script_timeout_s": limits.TIMEOUT_MAX_S,
                "trickle_egress_allowlist": ["no-port"],
                "configuration": {"1BAD": "x", "BIG": "x" * 4097},
            },
        },
        format="json",
    )
    assert response.status_code == 400
    message = response.json()["message"]
    assert f"options.import_mode: {IMPORT}" in message
    assert f"options.trickle_egress_allowlist: {ALLOWLIST}" in message
    assert "options.configuration.1BAD: Use a JavaScript identifier" in message
    assert "options.configuration.BIG: Text of at most 4096 characters." in message
    assert not Connection.objects.exists()


def test_allowlist_entries_follow_the_published_pattern(api_for, editor):
    # "²".isdigit() is true but int("²") fails: such a port was a 500 before the rule became one pattern.
    for entry in ["db:²", "db:0", "db:65536", "db:080", " :5432", "db"]:
        response = api_for(editor).post(
            "/api/v2/connections",
            {"name": "bad-port", "options": {"trickle_egress_allowlist": [entry]}},
            format="json",
        )
        assert response.status_code == 400, entry
        assert "is not host:port" in response.json()["message"]
    response = api_for(editor).post(
        "/api/v2/connections",
        {"name": "good-port", "options": {"trickle_egress_allowlist": ["DB.example:65535", "10.0.0.1:1"]}},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["options"]["trickle_egress_allowlist"] == ["db.example:65535", "10.0.0.1:1"]
