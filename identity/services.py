"""The flows through a connection (DESIGN.md flow 5): log in, sign up, change password, verify, change
email, delete. Each returns a FlowResult or raises FlowFailed (identity.exceptions.REASONS), and each
records a FlowEvent with its script runs and logs, plus an audit row, either way.

Which store answers:
- a user in the managed store (`is_managed`) is always answered locally; the legacy store is never asked;
- a connection without "Use my own database" only has the managed store;
- legacy mode runs the scripts and caches the returned profile (never anything about the password);
- migration mode runs only login and get_user, and stores the user with the password typed now.
"""

import secrets
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from connections_admin.models import Connection
from scripts_editor.scripts import LEGACY, MANAGED, MIGRATION

from . import protection
from .exceptions import FlowFailed
from .models import FlowEvent, ManagedUser
from .profiles import (
    Profile,
    profile_apply,
    profile_conflict_check,
    profile_normalise,
    user_lookup_q,
    user_lookup_rows,
)
from .runtime import Flow, FlowResult

Path = FlowEvent.Path


def _managed_user(connection: Connection, identifier: str) -> ManagedUser | None:
    if not identifier.strip():
        return None
    return connection.managed_users.filter(user_lookup_q(identifier), is_managed=True).first()


def _email(connection: Connection, email: str) -> str:
    email = email.strip()
    return email.lower() if connection.import_users else email


def _logged_in(flow: Flow, user: ManagedUser) -> FlowResult:
    """Count the login and record the flow in one commit (the managed-store path is latency-bound)."""
    now = timezone.now()
    with transaction.atomic(savepoint=False):  # nothing to undo separately: saves two statements a login
        ManagedUser.objects.filter(pk=user.pk).update(last_login=now, logins_count=F("logins_count") + 1)
        user.last_login, user.logins_count = now, user.logins_count + 1
        return flow.succeed(user=user)


def _profile_from(flow: Flow, key: str, args: list[Any]) -> Profile | None:
    """Run login or get_user; None when it answered "no such user" (callback() or callback(null, null))."""
    raw = flow.run(key, args)
    return None if raw is None else profile_normalise(raw, connection=flow.connection)


def _store_profile(
    flow: Flow,
    profile: Profile,
    *,
    identifier: str,
    password: str | None = None,
    migrate: bool,
    known: list[ManagedUser] | None = None,
) -> tuple[ManagedUser, bool]:
    """Save a profile the legacy store returned: migrated with `password` (unusable if None) or cached.
    Returns the user and whether it was stored now.

    Raises FlowFailed for a profile that would duplicate a user. Stores nothing when this user_id is
    already managed (another flow migrated it first): the caller then answers from the managed store."""
    with transaction.atomic(savepoint=False):
        user = profile_conflict_check(connection=flow.connection, profile=profile, identifier=identifier, known=known)
        if user is not None and user.is_managed:
            return user, False
        user = user or ManagedUser(connection=flow.connection)
        before = _stored_profile(user)
        profile_apply(user, profile, connection=flow.connection)
        if migrate:
            user.is_managed, user.migrated_at = True, timezone.now()
            user.set_password(password)
        elif user.pk and _stored_profile(user) == before:
            return user, True  # the usual legacy-mode login: the cached profile is already current
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # a simultaneous flow stored the same user_id or email first
            raise FlowFailed("user_exists", "Another request stored this user at the same moment; try again.") from None
    return user, True


def _stored_profile(user: ManagedUser) -> tuple:
    return (
        user.user_id,
        user.email,
        user.username,
        user.email_verified,
        user.attributes,
        user.user_metadata,
        user.app_metadata,
        user.identity,
    )


# ---- log in ------------------------------------------------------------------------------------
def user_login(
    *,
    connection: Connection,
    username: str,
    password: str,
    ip: str = "",
    user_agent: str = "",
    by: AbstractBaseUser | None = None,
    from_try: bool = False,
) -> FlowResult:
    """Log a user in by email or username. Migration mode stores the user at their first good login.

    Attack protection runs first: a blocked user/IP pair, IP or user is refused before any script runs.
    `from_try` marks the dashboard's Try connection, which the migration dashboard counts apart."""
    flow_args = {"connection": connection, "identifier": username, "ip": ip, "user_agent": user_agent, "by": by}
    with Flow(kind=FlowEvent.Flow.LOGIN, from_try=from_try, **flow_args) as flow:
        streak = protection.login_guard(connection=connection, identifier=username, ip=ip)
        try:
            result = _login(flow, username=username, password=password)
        except FlowFailed as e:
            if e.reason in protection.CREDENTIAL_FAILURES:
                protection.login_failed(connection=connection, identifier=username, ip=ip, user_agent=user_agent, by=by)
            raise
        protection.login_succeeded(streak=streak)
        return result


def _login(flow: Flow, *, username: str, password: str) -> FlowResult:
    connection = flow.connection
    # One read serves the block check, the managed-store check and, after the script, the duplicate check.
    known = user_lookup_rows(connection, username)
    if any(u.blocked for u in known):
        raise FlowFailed("user_blocked")
    user = next((u for u in known if u.is_managed), None)
    if user is None and connection.mode != MANAGED:
        flow.path = Path.LEGACY
        profile = _profile_from(flow, "login", [username, password])
        if profile is None:
            raise FlowFailed("no_profile")
        migrate = connection.mode == MIGRATION
        with transaction.atomic():  # one commit for the profile, the count and the records
            user, stored = _store_profile(
                flow, profile, identifier=username, password=password, migrate=migrate, known=known
            )
            if user.blocked:  # the script's user_id names a user an admin blocked
                raise FlowFailed("user_blocked")
            if stored:
                flow.path = Path.MIGRATED if migrate else Path.LEGACY
                return _logged_in(flow, user)
    flow.path = Path.MANAGED
    if user is None or not user.check_password(password):
        raise FlowFailed("wrong_username_or_password")
    return _logged_in(flow, user)


# ---- sign up -----------------------------------------------------------------------------------
def user_signup(
    *,
    connection: Connection,
    email: str,
    password: str,
    username: str = "",
    user_metadata: dict | None = None,
    ip: str = "",
    user_agent: str = "",
    by: AbstractBaseUser | None = None,
) -> FlowResult:
    """Sign a user up: get_user, create, then login to confirm (legacy), or a local user (migration/managed)."""
    email = _email(connection, email)
    if connection.requires_username and not username.strip():
        raise ValidationError({"username": "This connection requires a username."})
    with Flow(
        connection=connection, kind=FlowEvent.Flow.SIGNUP, identifier=email, by=by, ip=ip, user_agent=user_agent
    ) as flow:
        taken = Q(email__iexact=email) | (Q(username=username) if username else Q(pk__in=[]))
        if connection.managed_users.filter(taken, is_managed=True).exists():
            raise FlowFailed("user_exists")
        if connection.mode != MANAGED:
            flow.path = Path.LEGACY
            if _profile_from(flow, "get_user", [email]) is not None:
                raise FlowFailed("user_exists", "The legacy store already has a user with this email.")
        if connection.mode == LEGACY:
            new_user = {
                "email": email,
                "password": password,
                "tenant": "trickle",
                "client_id": "trickle",
                "connection": connection.name,
                "user_metadata": user_metadata or {},
            }
            if connection.requires_username:
                new_user["username"] = username
            flow.run("create", [new_user])
            profile = _profile_from(flow, "login", [username or email, password])
            if profile is None:
                raise FlowFailed("no_profile", "The user was created, but the login script did not confirm them.")
            return flow.succeed(user=_store_profile(flow, profile, identifier=email, migrate=False)[0])
        flow.path = Path.MANAGED
        user = ManagedUser(
            connection=connection,
            user_id=secrets.token_hex(12),
            email=email,
            username=username,
            is_managed=True,
            user_metadata=user_metadata or {},
            identity={"provider": "auth0", "connection": connection.name, "isSocial": False},
        )
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise FlowFailed("user_exists") from None
        return flow.succeed(user=user)


# ---- change password ---------------------------------------------------------------------------
def user_password_change(
    *,
    connection: Connection,
    email: str,
    new_password: str,
    ip: str = "",
    user_agent: str = "",
    by: AbstractBaseUser | None = None,
) -> FlowResult:
    """Change (or reset) a password: locally for managed users, change_password in legacy mode, and in
    migration mode a user get_user finds is stored now with the new password."""
    email = _email(connection, email)
    with Flow(
        connection=connection,
        kind=FlowEvent.Flow.CHANGE_PASSWORD,
        identifier=email,
        by=by,
        ip=ip,
        user_agent=user_agent,
    ) as flow:
        result = _password_change(flow, email=email, new_password=new_password)
    # A reset password ends brute-force blocks, as in Auth0: the guesser no longer knows anything useful.
    user = result.user
    protection.login_blocks_clear(
        connection=connection,
        identifiers=[email, *(protection.user_identifiers(user) if user else [])],
        by=by,
        why="password_reset",
    )
    return result


def _password_change(flow: Flow, *, email: str, new_password: str) -> FlowResult:
    connection = flow.connection
    user = _managed_user(connection, email)
    if user is None and connection.mode == LEGACY:
        flow.path = Path.LEGACY
        answer = flow.run("change_password", [email, new_password])
        if answer is not True and not isinstance(answer, dict):
            raise FlowFailed("user_not_found", "The change_password script changed nothing (no such user).")
        return flow.succeed(user=connection.managed_users.filter(email=email).first(), value=answer)
    if user is None and connection.mode == MIGRATION:
        flow.path = Path.LEGACY
        profile = _profile_from(flow, "get_user", [email])
        if profile is None:
            raise FlowFailed("user_not_found")
        user, stored = _store_profile(flow, profile, identifier=email, password=new_password, migrate=True)
        if stored:
            flow.path = Path.MIGRATED
            return flow.succeed(user=user, value=True)
    flow.path = Path.MANAGED
    if user is None:
        raise FlowFailed("user_not_found")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return flow.succeed(user=user, value=True)


# ---- verify email ------------------------------------------------------------------------------
def user_email_verify(
    *, connection: Connection, email: str, ip: str = "", user_agent: str = "", by: AbstractBaseUser | None = None
) -> FlowResult:
    """Mark an email verified: locally for managed users, through verify in legacy mode. Migration mode
    runs no verify script, so a user who has not migrated yet cannot be verified."""
    email = _email(connection, email)
    with Flow(
        connection=connection, kind=FlowEvent.Flow.VERIFY, identifier=email, by=by, ip=ip, user_agent=user_agent
    ) as flow:
        user = _managed_user(connection, email)
        if user is None and connection.mode == LEGACY:
            flow.path = Path.LEGACY
            if flow.run("verify", [email]) is not True:
                raise FlowFailed("user_not_found", "The verify script did not answer true.")
            # Auth0 leaves email_verified to the profiles login and get_user return; so do we.
            return flow.succeed(user=connection.managed_users.filter(email=email).first(), value=True)
        if user is None:
            raise FlowFailed(
                "user_not_found",
                "Not in the managed store"
                + (" yet: migration mode runs only login and get_user." if connection.mode == MIGRATION else "."),
            )
        user.email_verified = True
        user.save(update_fields=["email_verified"])
        return flow.succeed(user=user, value=True)


# ---- change email ------------------------------------------------------------------------------
def user_email_change(
    *,
    connection: Connection,
    email: str,
    new_email: str,
    verified: bool = False,
    ip: str = "",
    user_agent: str = "",
    by: AbstractBaseUser | None = None,
) -> FlowResult:
    """Change an email: locally for managed users, through change_email in legacy mode (after get_user says
    the new email is free); in migration mode get_user's profile is stored with the new email (the user
    then resets their password, as in Auth0)."""
    email, new_email = _email(connection, email), _email(connection, new_email)
    with Flow(
        connection=connection, kind=FlowEvent.Flow.CHANGE_EMAIL, identifier=email, by=by, ip=ip, user_agent=user_agent
    ) as flow:
        user = _managed_user(connection, email)
        if connection.managed_users.filter(email__iexact=new_email).exclude(pk=getattr(user, "pk", None)).exists():
            raise FlowFailed("user_exists", f"{new_email} already belongs to another user.")
        if user is None and connection.mode != MANAGED:
            flow.path = Path.LEGACY
            if _profile_from(flow, "get_user", [new_email]) is not None:
                raise FlowFailed("user_exists", f"The legacy store already has {new_email}.")
            if connection.mode == LEGACY:
                if flow.run("change_email", [email, new_email, verified]) is not True:
                    raise FlowFailed("user_not_found", "The change_email script changed nothing (no such user).")
                cached = connection.managed_users.filter(email=email).first()
                if cached is not None:
                    cached.email, cached.email_verified = new_email, verified
                    cached.save(update_fields=["email", "email_verified"])
                return flow.succeed(user=cached, value=True)
            profile = _profile_from(flow, "get_user", [email])
            if profile is None:
                raise FlowFailed("user_not_found")
            user, stored = _store_profile(flow, profile, identifier=email, migrate=True)
            flow.path = Path.MIGRATED if stored else Path.MANAGED
        elif user is None:
            raise FlowFailed("user_not_found")
        else:
            flow.path = Path.MANAGED
        user.email, user.email_verified = new_email, verified
        try:
            with transaction.atomic():
                user.save(update_fields=["email", "email_verified"])
        except IntegrityError:
            raise FlowFailed("user_exists", f"{new_email} already belongs to another user.") from None
        return flow.succeed(user=user, value=True)


# ---- delete ------------------------------------------------------------------------------------
def user_delete(
    *, connection: Connection, user_id: str, ip: str = "", user_agent: str = "", by: AbstractBaseUser | None = None
) -> FlowResult:
    """Delete a user. A managed user is deleted here only: never from the legacy store. In legacy mode the
    delete script runs first and the cached profile goes only when it succeeded."""
    with Flow(
        connection=connection, kind=FlowEvent.Flow.DELETE, identifier=user_id, by=by, ip=ip, user_agent=user_agent
    ) as flow:
        users = connection.managed_users
        user = users.filter(user_id=user_id).first()
        if user is None and user_id.startswith("auth0|"):  # Auth0's root id of the same user
            user_id = user_id.removeprefix("auth0|")
            user = users.filter(user_id=user_id).first()
        if (user is None or not user.is_managed) and connection.mode == LEGACY:
            flow.path = Path.LEGACY
            flow.run("delete", [user_id])
        elif user is None:
            raise FlowFailed("user_not_found")
        else:
            flow.path = Path.MANAGED
        if user is not None:
            user.delete()
        return flow.succeed(value=True)
