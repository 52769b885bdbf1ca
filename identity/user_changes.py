"""An admin's changes to one user (user page and PATCH /api/v2/users/{id}): audited and logged as `sapi`.

Changes the legacy store does not hear about: Trickle's copy is what changes. A password can only be set
for a user in the managed store: a cached legacy profile's password lives in the legacy store.
"""

import json
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from connections_admin import services as audit
from connections_admin.models import AuditEvent

from . import logs, protection
from .models import ManagedUser

UNSET: Any = object()
METADATA_MAX_BYTES = 16 * 1024  # Auth0's user_metadata limit
PROFILE_ATTRIBUTES = ("name", "nickname", "given_name", "family_name", "picture")


def metadata_validate(value: Any, *, field: str) -> dict:
    """An object of at most 16 KB whose keys hold no '.' or '$' (Auth0's rules), or ValidationError."""
    if not isinstance(value, dict):
        raise ValidationError({field: 'Must be a JSON object, like {"plan": "gold"}.'})
    bad = [k for k in value if not k or "." in k or k.startswith("$")]
    if bad:
        raise ValidationError({field: f"Keys may not be empty, contain '.' or start with '$': {', '.join(bad)}."})
    if len(json.dumps(value)) > METADATA_MAX_BYTES:
        raise ValidationError({field: f"At most {METADATA_MAX_BYTES // 1024} KB."})
    return value


def _merged(current: dict, patch: dict) -> dict:
    """Auth0's PATCH: top-level keys replace, null removes."""
    merged = {**current, **patch}
    return {k: v for k, v in merged.items() if v is not None}


@transaction.atomic
def managed_user_update(
    *,
    user: ManagedUser,
    by: AbstractBaseUser | None,
    user_metadata: dict = UNSET,
    app_metadata: dict = UNSET,
    merge_metadata: bool = False,
    blocked: bool = UNSET,
    email_verified: bool = UNSET,
    password: str = UNSET,
    attributes: dict[str, str | None] = UNSET,
    via: str = "dashboard",
) -> list[str]:
    """Apply the given changes (all validated before any is saved). Returns the changed field names.

    Raises ValidationError naming the field at fault."""
    changed: list[str] = []
    for field, value in (("user_metadata", user_metadata), ("app_metadata", app_metadata)):
        if value is UNSET:
            continue
        value = metadata_validate(value, field=field)
        new = _merged(getattr(user, field), value) if merge_metadata else value
        metadata_validate(new, field=field)
        if new != getattr(user, field):
            setattr(user, field, new)
            changed.append(field)
    if attributes is not UNSET:
        unknown = set(attributes) - set(PROFILE_ATTRIBUTES)
        if unknown:
            raise ValidationError({"attributes": f"Not changeable here: {', '.join(sorted(unknown))}."})
        new = _merged(user.attributes, attributes)
        if new != user.attributes:
            user.attributes = new
            changed.append("attributes")
    for field, value in (("blocked", blocked), ("email_verified", email_verified)):
        if value is not UNSET and value != getattr(user, field):
            setattr(user, field, bool(value))
            changed.append(field)
    if password is not UNSET:
        if not user.is_managed:
            raise ValidationError(
                {"password": "This user's password lives in the legacy store; use the change-password flow."}
            )
        if not isinstance(password, str) or len(password) < 8:
            raise ValidationError({"password": "At least 8 characters."})
        user.set_password(password)
        changed.append("password")
    if not changed:
        return []
    user.save()
    if "password" in changed:  # a new password ends brute-force blocks, as a reset does
        protection.login_blocks_clear(
            connection=user.connection, identifiers=protection.user_identifiers(user), by=by, why="password_reset"
        )
    detail = {"flow": "admin", "outcome": "updated", "user_id": user.user_id, "fields": changed, "via": via}
    audit.audit_event_record(connection=user.connection, action=AuditEvent.Action.USER_EVENT, by=by, detail=detail)
    words = {"blocked": "Block user" if user.blocked else "Unblock user", "password": "Set password"}
    logs.log_record(
        type="sapi",
        description="; ".join(words.get(f, f"Update {f}") for f in changed),
        connection=user.connection,
        user_id=f"auth0|{user.user_id}",
        user_name=user.email or user.username,
        details={"action": "update_user", "fields": changed, "via": via},
        actor=by,
    )
    return changed
