"""How a Connection maps onto Auth0's connection `options`, shared by the REST API and connections-as-code."""

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


def egress_entry_problem(entry: object) -> str | None:
    """Why `entry` is not a "host:port" allow-list entry, or None when it is one."""
    host, sep, port = entry.rpartition(":") if isinstance(entry, str) else ("", "", "")
    if not sep or not host.strip() or not port.isdigit() or not 0 < int(port) < 65536:
        return f"{entry!r} is not host:port (for example db.example.com:5432)."
    return None
