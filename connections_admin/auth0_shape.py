"""How a Connection maps onto Auth0's connection `options`, shared by the REST API and connections-as-code."""

import re

# Auth0 option name (and Trickle extensions, prefixed trickle_) -> Connection field.
OPTION_FIELDS = {
    "enabledDatabaseCustomization": "use_own_database",
    "import_mode": "import_users",
    "requires_username": "requires_username",
    "enable_script_context": "enable_script_context",
    "trickle_egress_allowlist": "egress_allowlist",
    "trickle_script_timeout_s": "script_timeout_s",
    "trickle_legacy_globals": "legacy_globals",
}
# Trickle's option naming the configuration keys that are plain, not secret (configuration stays Auth0's shape).
PLAIN_CONFIGURATION_OPTION = "trickle_plain_configuration"


# A host (anything with a visible character) and a port from 1 to 65535 written without leading zeros. Also
# published in the API schema, so what the schema allows is exactly what is accepted.
EGRESS_ENTRY_PATTERN = (
    r"^[\s\S]*\S[\s\S]*:(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"
)


def egress_entry_problem(entry: object) -> str | None:
    """Why `entry` is not a "host:port" allow-list entry, or None when it is one."""
    if not isinstance(entry, str) or not re.fullmatch(EGRESS_ENTRY_PATTERN[1:-1], entry):
        return f"{entry!r} is not host:port (for example db.example.com:5432)."
    return None
