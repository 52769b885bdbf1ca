"""Attack protection of logins through a connection, as Auth0's:

- brute-force protection: after TRICKLE_BRUTE_FORCE_MAX_ATTEMPTS consecutive failed logins for one
  identifier from one IP, that pair is blocked; its logins are refused before any script runs (so a
  guessing attacker never reaches the legacy store) until an admin unblocks it or the password is reset;
- suspicious-IP throttling: after TRICKLE_SUSPICIOUS_IP_MAX_FAILURES failed logins from one IP across any
  accounts within the window, the IP is blocked for the rest of the window or until an admin unblocks it.

Counters are updated with F() expressions, so simultaneous failures are all counted.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from connections_admin import services as audit
from connections_admin.models import AuditEvent, Connection

from . import logs
from .exceptions import FlowFailed
from .models import LoginFailureStreak, ManagedUser, SuspiciousIp

# What counts as a guess: the store refused the credentials or knows no such user.
CREDENTIAL_FAILURES = frozenset({"wrong_username_or_password", "no_profile"})


def _key(identifier: str) -> str:
    return identifier.strip().lower()[:254]


def _protected(ip: str) -> bool:
    return bool(ip) and ip not in settings.TRICKLE_ATTACK_PROTECTION_ALLOWLIST


def _window_start():
    return timezone.now() - timedelta(seconds=settings.TRICKLE_SUSPICIOUS_IP_WINDOW_S)


def login_guard(*, connection: Connection, identifier: str, ip: str) -> LoginFailureStreak | None:
    """Refuse a login from a blocked pair or IP (FlowFailed too_many_attempts / ip_blocked); otherwise
    the pair's running streak, if any, for login_succeeded to clear."""
    if not _protected(ip):
        return None
    if (
        settings.TRICKLE_SUSPICIOUS_IP_MAX_FAILURES
        and SuspiciousIp.objects.filter(ip=ip, blocked_at__gte=_window_start()).exists()
    ):
        raise FlowFailed("ip_blocked")
    if not settings.TRICKLE_BRUTE_FORCE_MAX_ATTEMPTS:
        return None
    streak = connection.login_failure_streaks.filter(identifier=_key(identifier), ip=ip).first()
    if streak is not None and streak.blocked_at is not None:
        raise FlowFailed("too_many_attempts")
    return streak


def login_succeeded(*, streak: LoginFailureStreak | None) -> None:
    """A good login ends the pair's streak: only consecutive failures count."""
    if streak is not None:
        LoginFailureStreak.objects.filter(pk=streak.pk, blocked_at__isnull=True).delete()


def _count(model, lookup: dict, *, on_update: dict, on_create: dict):
    """Add one failure to the row `lookup` names (creating it) and return the row as it is now."""
    for _ in range(2):  # a simultaneous first failure may create the row between our update and insert
        if model.objects.filter(**lookup).update(failures=F("failures") + 1, **on_update):
            return model.objects.get(**lookup)
        try:
            with transaction.atomic():
                return model.objects.create(**lookup, failures=1, **on_update, **on_create)
        except IntegrityError:
            continue
    return model.objects.get(**lookup)


def login_failed(
    *, connection: Connection, identifier: str, ip: str, user_agent: str = "", by: AbstractBaseUser | None = None
) -> None:
    """Count a failed login for the pair and the IP; block whichever reached its limit now (logged, audited)."""
    if not _protected(ip):
        return
    now = timezone.now()
    limit = settings.TRICKLE_BRUTE_FORCE_MAX_ATTEMPTS
    if limit:
        key = _key(identifier)
        streak = _count(
            LoginFailureStreak,
            {"connection": connection, "identifier": key, "ip": ip},
            on_update={"last_failure_at": now},
            on_create={},
        )
        if streak.failures >= limit and LoginFailureStreak.objects.filter(pk=streak.pk, blocked_at__isnull=True).update(
            blocked_at=now
        ):
            description = f"{limit} consecutive failed logins for {key} from {ip}: this pair is blocked."
            logs.log_record(
                type="limit_wc",
                description=description,
                connection=connection,
                ip=ip,
                user_agent=user_agent,
                user_name=key,
                details={"identifier": key, "failures": streak.failures},
            )
            audit.audit_event_record(
                connection=connection,
                action=AuditEvent.Action.USER_EVENT,
                by=by,
                detail={"flow": "brute_force", "outcome": "blocked", "identifier": key, "ip": ip},
            )
    ip_limit = settings.TRICKLE_SUSPICIOUS_IP_MAX_FAILURES
    if ip_limit:
        # A window that ended starts over (and lifts a block that has run its course).
        SuspiciousIp.objects.filter(ip=ip, window_started_at__lt=_window_start()).update(
            failures=0, window_started_at=now, blocked_at=None
        )
        row = _count(SuspiciousIp, {"ip": ip}, on_update={}, on_create={"window_started_at": now})
        if row.failures >= ip_limit and SuspiciousIp.objects.filter(pk=row.pk, blocked_at__isnull=True).update(
            blocked_at=now
        ):
            logs.log_record(
                type="limit_mu",
                description=f"{row.failures} failed logins from {ip} across accounts: this IP is blocked.",
                connection=connection,
                ip=ip,
                user_agent=user_agent,
                details={"failures": row.failures},
            )


def user_identifiers(user: ManagedUser) -> list[str]:
    """What a user may type at login, as the streaks store it."""
    return [_key(v) for v in (user.email, user.username) if v]


def login_blocks_for(*, connection: Connection, identifiers: list[str]) -> list[LoginFailureStreak]:
    """The blocked pairs of these identifiers (what the user page and GET /user-blocks show)."""
    keys = [_key(i) for i in identifiers if i.strip()]
    return list(
        connection.login_failure_streaks.filter(identifier__in=keys, blocked_at__isnull=False).order_by("-blocked_at")
    )


def login_blocks_clear(
    *, connection: Connection, identifiers: list[str], by: AbstractBaseUser | None, why: str = "admin"
) -> int:
    """Unblock every pair of these identifiers and forget their streaks. Returns how many were blocked."""
    keys = [_key(i) for i in identifiers if i.strip()]
    streaks = connection.login_failure_streaks.filter(identifier__in=keys)
    blocked = [(s.identifier, s.ip) for s in streaks if s.blocked_at is not None]
    streaks.delete()
    if blocked:
        detail = {"flow": "brute_force", "outcome": "unblocked", "why": why, "blocked_for": blocked}
        audit.audit_event_record(connection=connection, action=AuditEvent.Action.USER_EVENT, by=by, detail=detail)
        logs.log_record(
            type="sapi" if why == "admin" else "scp",
            description="Unblocked after " + ("an admin's action" if why == "admin" else "a password reset"),
            connection=connection,
            user_name=keys[0],
            details={"action": "unblock", "blocked_for": [{"identifier": i, "ip": ip} for i, ip in blocked]},
            actor=by,
        )
    return len(blocked)


def suspicious_ip_blocked(*, ip: str) -> SuspiciousIp | None:
    return SuspiciousIp.objects.filter(ip=ip, blocked_at__gte=_window_start()).first()


def suspicious_ip_unblock(*, ip: str, by: AbstractBaseUser | None) -> bool:
    """Lift an IP's block and start its count over. Returns whether it was blocked."""
    was_blocked = SuspiciousIp.objects.filter(ip=ip, blocked_at__isnull=False).exists()
    SuspiciousIp.objects.filter(ip=ip).delete()
    if was_blocked:
        audit.audit_event_record(
            connection=None,
            action=AuditEvent.Action.USER_EVENT,
            by=by,
            detail={"flow": "suspicious_ip", "outcome": "unblocked", "ip": ip},
            connection_name="(all)",
        )
        logs.log_record(
            type="sapi", description=f"Unblocked IP {ip}", ip=ip, details={"action": "unblock_ip"}, actor=by
        )
    return was_blocked
