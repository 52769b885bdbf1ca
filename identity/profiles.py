"""Profiles as scripts return them, made into what Trickle stores and shows (custom-db-spec.md section 3).

- `user_id` (or the older `id`) is required and kept as a string, exactly as returned (stable, prefixed).
- `metadata` is app metadata (the legacy rule); `app_metadata` is accepted too and wins on conflicts.
- `access_token` / `refresh_token` belong on identities[0], are stored there and are never shown.
- Emails are lower-cased in migration mode only, as Auth0 does.
The consistency checks compare a profile with the users already stored, so a bad script produces a
clear, recorded error instead of a duplicate user.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from connections_admin.models import Connection

from .exceptions import FlowFailed
from .models import ManagedUser

ROOT_ATTRIBUTES = ("nickname", "name", "given_name", "family_name", "picture", "mfa_factors")
TOKEN_FIELDS = ("access_token", "refresh_token")


@dataclass(frozen=True)
class Profile:
    user_id: str
    email: str = ""
    username: str = ""
    email_verified: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)
    user_metadata: dict[str, Any] = field(default_factory=dict)
    app_metadata: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def profile_normalise(raw: Any, *, connection: Connection) -> Profile:
    """The stored form of a script's profile. Raises FlowFailed('invalid_profile') when it cannot be one."""
    if not isinstance(raw, dict):
        raise FlowFailed("invalid_profile", f"The script answered with {type(raw).__name__}, not a profile object.")
    user_id = raw.get("user_id", raw.get("id"))
    if isinstance(user_id, bool) or not isinstance(user_id, (str, int)) or not str(user_id).strip():
        raise FlowFailed(
            "invalid_profile",
            "The profile has no user_id. Return a stable id prefixed with the "
            f"connection name, e.g. '{connection.name}|42'.",
        )
    email = _text(raw.get("email"))
    if connection.import_users:
        email = email.lower()
    username = _text(raw.get("username"))
    if connection.requires_username and not username:
        raise FlowFailed("invalid_profile", "The connection requires a username, and the profile has none.")
    app_metadata = _mapping(raw.get("metadata")) | _mapping(raw.get("app_metadata"))
    return Profile(
        user_id=str(user_id).strip(),
        email=email,
        username=username,
        email_verified=raw.get("email_verified") is True,
        attributes={k: raw[k] for k in ROOT_ATTRIBUTES if raw.get(k) not in (None, "")},
        user_metadata=_mapping(raw.get("user_metadata")),
        app_metadata=app_metadata,
        tokens={k: str(raw[k]) for k in TOKEN_FIELDS if raw.get(k)},
    )


def _settled_by(known: list[ManagedUser], profile: Profile, identifier: str) -> ManagedUser | None:
    """The stored user, when the rows already read for `identifier` decide it without another query.

    They do when the person typed this profile's email: `known` then holds every row with that email, and
    if exactly one does and it has this user_id, no other row can hold the id (unique) or the email."""
    email = profile.email.lower()
    if not email or identifier.strip().lower() != email:
        return None
    holders = [u for u in known if u.email.lower() == email]
    return holders[0] if len(holders) == 1 and holders[0].user_id == profile.user_id else None


def profile_conflict_check(
    *, connection: Connection, profile: Profile, identifier: str, known: list[ManagedUser] | None = None
) -> ManagedUser | None:
    """The stored user this profile belongs to (None for a new one), or FlowFailed when storing it would
    duplicate a user: its email belongs to another user_id.

    `identifier` is what the person typed: when it names the other user, the same person came back
    with a new user_id (the id is unstable); otherwise two legacy users share one email. `known` are the
    rows user_lookup_rows read for it, which usually settle the question (a login's hot path)."""
    if known is not None and (settled := _settled_by(known, profile, identifier)) is not None:
        return settled
    match = Q(user_id=profile.user_id) | (Q(email__iexact=profile.email) if profile.email else Q(pk__in=[]))
    candidates = list(connection.managed_users.filter(match)[:3])  # one query: at most this user and one other
    existing = next((u for u in candidates if u.user_id == profile.user_id), None)
    holder = next((u for u in candidates if u.user_id != profile.user_id), None)
    if holder is None:
        return existing
    identifier = identifier.strip().lower()
    if identifier and identifier in (holder.email.lower(), holder.username.lower()):
        raise FlowFailed(
            "user_id_changed",
            f"The script returned user_id {profile.user_id!r} for {profile.email}, "
            f"which earlier answered as {holder.user_id!r}. user_id must be stable.",
        )
    raise FlowFailed(
        "duplicate_email",
        f"The script returned {profile.email} for user_id {profile.user_id!r}, "
        f"but that email belongs to user_id {holder.user_id!r}.",
    )


def user_lookup_rows(connection: Connection, identifier: str) -> list[ManagedUser]:
    """Every stored user (managed or cached) that `identifier` names, as email or username."""
    if not identifier.strip():
        return []
    return list(connection.managed_users.filter(user_lookup_q(identifier)))


def user_lookup_q(identifier: str) -> Q:
    """Find a stored user by what they type at login: an email or a username (Auth0's password realm)."""
    identifier = identifier.strip()
    return Q(email__iexact=identifier) | (Q(username=identifier) & ~Q(username=""))


def profile_apply(user: ManagedUser, profile: Profile, *, connection: Connection) -> None:
    """Copy a profile onto a (possibly new) stored user; the caller saves it."""
    user.user_id = profile.user_id
    user.email = profile.email
    user.username = profile.username
    user.email_verified = profile.email_verified
    user.attributes = profile.attributes
    user.user_metadata = profile.user_metadata
    user.app_metadata = profile.app_metadata
    user.identity = {"provider": "auth0", "connection": connection.name, "isSocial": False, **profile.tokens}


def profile_public(user: ManagedUser) -> dict[str, Any]:
    """The Auth0-shaped profile of a stored user, without its tokens (they need their own scope in Auth0)."""
    body: dict[str, Any] = {
        "user_id": f"auth0|{user.user_id}",
        "email": user.email,
        "email_verified": user.email_verified,
    }
    if user.username:
        body["username"] = user.username
    body |= user.attributes
    body |= {
        "user_metadata": user.user_metadata,
        "app_metadata": user.app_metadata,
        "identities": [
            {"user_id": user.user_id, "provider": "auth0", "connection": user.connection.name, "isSocial": False}
        ],
    }
    return body
