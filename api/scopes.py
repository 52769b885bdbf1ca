"""API scopes and the Django permission each needs: a token never exceeds its user's permissions."""

SCOPES: dict[str, tuple[str, str]] = {
    "read:connections": ("connections_admin.view_connection", "Read connections, their scripts and revisions."),
    "create:connections": ("connections_admin.add_connection", "Create connections."),
    "update:connections": ("connections_admin.change_connection", "Change connections, scripts and configuration."),
    "delete:connections": ("connections_admin.delete_connection", "Delete connections."),
    "run:scripts": ("connections_admin.change_connection", "Try scripts in the sandbox."),
    "read:script_runs": (
        "connections_admin.view_connection",
        "Read script runs; their logs and results need change permission too.",
    ),
    "authenticate:users": (
        "connections_admin.change_connection",
        "Log users in, sign them up, change passwords, verify, delete through a connection.",
    ),
    "read:logs": ("connections_admin.view_connection", "Search the log of logins, sign-ups and admin changes."),
    "read:users": ("connections_admin.view_connection", "Read users, their login history and blocks."),
    "update:users": ("connections_admin.change_connection", "Change users: metadata, block, password, verified."),
    "delete:users": ("connections_admin.change_connection", "Delete users."),
    "create:users": ("connections_admin.change_connection", "Import users in bulk."),
}


def scopes_allowed_for(user) -> set[str]:
    """The scopes the user's Django permissions cover right now."""
    if not (user.is_active and user.is_staff):
        return set()
    return {scope for scope, (perm, _) in SCOPES.items() if user.has_perm(perm)}


def unknown_scopes(scopes) -> list[str]:
    return sorted(set(scopes) - set(SCOPES))
