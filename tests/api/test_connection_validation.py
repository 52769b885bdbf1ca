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
                "configuration": {"1BAD": "x", "BIG": "é" * (2048 + 1)},
            },
        },
        format="json",
    )
    assert response.status_code == 400
    message = response.json()["message"]
    assert f"options.import_mode: {IMPORT}" in message
    assert f"options.trickle_egress_allowlist: {ALLOWLIST}" in message
    assert "options.configuration.1BAD: Use a JavaScript identifier" in message
    assert "options.configuration.BIG: Text of at most 4 kB." in message  # bytes, not characters
    assert not Connection.objects.exists()
