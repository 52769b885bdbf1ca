"""The tenant's log in Auth0's event types: what every flow, block and admin change writes, and its public shape.

Entries carry who, where from (IP, user agent), which connection, and a fixed description per outcome:
never a password, hash, token, configuration value or anything a script printed or answered.
"""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from connections_admin.models import Connection

from .exceptions import REASONS
from .models import FlowEvent, LogEvent, ManagedUser

# Auth0's codes (https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes) that Trickle writes.
TYPES: dict[str, str] = {
    "s": "Success Login",
    "f": "Failed Login",
    "fp": "Failed Login (Incorrect Password)",
    "fu": "Failed Login (Invalid Email/Username)",
    "ss": "Success Signup",
    "fs": "Failed Signup",
    "scp": "Success Change Password",
    "fcp": "Failed Change Password",
    "sv": "Success Verification Email",
    "fv": "Failed Verification Email",
    "sce": "Success Change Email",
    "fce": "Failed Change Email",
    "sdu": "Success User Deletion",
    "fdu": "Failed User Deletion",
    "limit_wc": "Blocked Account (too many failed logins for one user from one IP)",
    "limit_mu": "Blocked IP Address (too many failed logins across accounts)",
    "sapi": "Success API Operation (an admin change)",
    "fapi": "Failed API Operation",
}

_FLOW_TYPES = {
    FlowEvent.Flow.LOGIN: ("s", "f"),
    FlowEvent.Flow.SIGNUP: ("ss", "fs"),
    FlowEvent.Flow.CHANGE_PASSWORD: ("scp", "fcp"),
    FlowEvent.Flow.VERIFY: ("sv", "fv"),
    FlowEvent.Flow.CHANGE_EMAIL: ("sce", "fce"),
    FlowEvent.Flow.DELETE: ("sdu", "fdu"),
}
_LOGIN_FAILURE_TYPES = {
    "wrong_username_or_password": "fp",
    "no_profile": "fu",
    "user_not_found": "fu",
    "too_many_attempts": "limit_wc",
    "ip_blocked": "limit_mu",
}
_PATH_WORDS = {
    FlowEvent.Path.MANAGED: "answered by the managed store",
    FlowEvent.Path.LEGACY: "answered by the legacy store",
    FlowEvent.Path.MIGRATED: "answered by the legacy store; the user was migrated",
}


def log_record(
    *,
    type: str,
    description: str,
    connection: Connection | None = None,
    connection_name: str = "",
    ip: str = "",
    user_agent: str = "",
    user_id: str = "",
    user_name: str = "",
    details: dict[str, Any] | None = None,
    actor: AbstractBaseUser | None = None,
) -> LogEvent:
    """Append one log entry. Callers never put a secret in `description` or `details`."""
    if type not in TYPES:
        raise ValueError(f"unknown log type {type!r}")
    admin = actor if actor is not None and actor.is_authenticated else None
    return LogEvent.objects.create(
        type=type,
        description=description[:255],
        connection=connection,
        connection_name=connection_name or (connection.name if connection else ""),
        ip=ip[:45],
        user_agent=user_agent[:255],
        user_id=user_id[:262],
        user_name=user_name[:254],
        actor_label=admin.get_username() if admin else "",
        details=details or {},
    )


def log_flow(*, event: FlowEvent, user: ManagedUser | None, by: AbstractBaseUser | None) -> LogEvent:
    """The log entry of one flow (FlowEvent): Auth0's type for its kind and outcome."""
    ok, failed = _FLOW_TYPES[event.flow]
    if event.succeeded:
        type, description = ok, f"{TYPES[ok]}, {_PATH_WORDS[event.path]}"
    else:
        type = _LOGIN_FAILURE_TYPES.get(event.reason, failed) if event.flow == FlowEvent.Flow.LOGIN else failed
        description = f"{TYPES[type]}: {REASONS[event.reason][1]}" if event.reason in REASONS else TYPES[type]
    user_id = f"auth0|{user.user_id}" if user is not None else ""
    if event.flow == FlowEvent.Flow.DELETE and event.succeeded:  # the user is gone; the identifier was its id
        user_id = "auth0|" + event.identifier.removeprefix("auth0|")
    return log_record(
        type=type,
        description=description,
        connection=event.connection,
        ip=event.ip,
        user_agent=event.user_agent,
        user_id=user_id,
        user_name=(user.email or user.username) if user is not None else event.identifier,
        details={
            "flow": event.flow,
            "path": event.path,
            "reason": event.reason,
            "duration_ms": event.duration_ms,
            **({"try_connection": True} if event.from_try else {}),
        },
        actor=by,
    )


def log_public(entry: LogEvent) -> dict[str, Any]:
    """Auth0's log event shape."""
    return {
        "log_id": entry.log_id,
        "_id": entry.log_id,
        "date": entry.date.isoformat().replace("+00:00", "Z"),
        "type": entry.type,
        "description": entry.description,
        "connection": entry.connection_name,
        "connection_id": entry.connection.public_id if entry.connection_id else "",
        "strategy": "auth0",
        "strategy_type": "database",
        "client_id": "",
        "client_name": entry.actor_label and "Trickle dashboard / Management API",
        "ip": entry.ip,
        "user_agent": entry.user_agent,
        "user_id": entry.user_id,
        "user_name": entry.user_name,
        "details": entry.details | ({"actor": entry.actor_label} if entry.actor_label else {}),
        "isMobile": False,
    }
