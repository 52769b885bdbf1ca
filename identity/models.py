"""The managed user store, the record of every flow through a connection, and the demo legacy store."""

import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, is_password_usable, make_password
from django.db import models
from django.db.models import Q
from django.utils import timezone

from connections_admin.models import Connection


class ManagedUser(models.Model):
    """A user Trickle knows for one connection.

    `is_managed` users live here: their password is checked locally and the legacy store is never asked
    about them again (migrated at a login or a password reset, or signed up in migration mode). The other
    rows are profiles cached from the legacy store in legacy mode, as Auth0 keeps them: no password.
    """

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="managed_users")
    user_id = models.CharField(max_length=255, help_text="As the script returned it (Auth0 shows auth0|<user_id>).")
    email = models.CharField(max_length=254, blank=True)
    username = models.CharField(max_length=128, blank=True)
    email_verified = models.BooleanField(default=False)
    # Set by an admin (Auth0's `blocked`): every login is refused before any script runs.
    blocked = models.BooleanField(default=False)
    # Django's hashers, of the password typed at the migrating login; unusable for cached legacy profiles.
    # Imported foreign hashes (identity.hashers.ImportedPasswordHasher) carry their salt and parameters.
    password = models.CharField(max_length=1024, default="!", editable=False)
    is_managed = models.BooleanField(default=False)
    attributes = models.JSONField(default=dict, blank=True, help_text="nickname, name, picture ...")
    user_metadata = models.JSONField(default=dict, blank=True)
    app_metadata = models.JSONField(default=dict, blank=True)
    # identities[0]: provider, connection and the access/refresh tokens. Never listed or returned.
    identity = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    migrated_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_login = models.DateTimeField(null=True, blank=True)
    logins_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["email", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "user_id"], name="unique_managed_user_id"),
            models.UniqueConstraint(
                fields=["connection", "email"], condition=~Q(email=""), name="unique_managed_user_email"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} <{self.email}>"

    def set_password(self, raw: str | None) -> None:
        self.password = make_password(raw)

    def check_password(self, raw: str) -> bool:
        # A better hasher in settings upgrades the stored hash on the next good login.
        def upgrade(raw_password):
            self.set_password(raw_password)
            self.save(update_fields=["password"])

        return check_password(raw, self.password, upgrade)

    @property
    def has_password(self) -> bool:
        return is_password_usable(self.password)


class FlowEvent(models.Model):
    """One flow through a connection: its path, outcome, reason and the scripts it ran with their logs.

    The migration progress chart counts these; the Try page shows the newest one."""

    class Flow(models.TextChoices):
        LOGIN = "login"
        SIGNUP = "signup"
        CHANGE_PASSWORD = "change_password"
        VERIFY = "verify"
        CHANGE_EMAIL = "change_email"
        DELETE = "delete"

    class Path(models.TextChoices):
        MANAGED = "managed", "Managed store"
        LEGACY = "legacy", "Legacy store"
        MIGRATED = "migrated", "Legacy store, migrated now"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="flow_events")
    flow = models.CharField(max_length=20, choices=Flow.choices)
    path = models.CharField(max_length=10, choices=Path.choices)
    succeeded = models.BooleanField()
    reason = models.CharField(max_length=40, blank=True, help_text="Why it failed (identity.exceptions.REASONS).")
    message = models.TextField(blank=True)
    identifier = models.CharField(max_length=254, blank=True, help_text="The email, username or user_id given.")
    ip = models.CharField(max_length=45, blank=True, help_text="The end user's IP address, when known.")
    user_agent = models.CharField(max_length=255, blank=True)
    user = models.ForeignKey(ManagedUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    # [{script, status, ms, value, error, logs: [{level, text, time}]}], masked (scriptd_client.masking).
    script_runs = models.JSONField(default=list, blank=True)
    duration_ms = models.FloatField(default=0)
    # The dashboard's "Try connection" (an admin testing): real, but not end-user traffic, so the migration
    # dashboard counts these apart (identity.selectors.migration_progress).
    from_try = models.BooleanField(default=False, help_text="Run by an admin from the dashboard's Try connection.")
    # The HTTP request (or task) that ran the flow: the same id is in its log lines and scriptd's.
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["connection", "flow", "at"])]

    def __str__(self) -> str:
        return f"{self.flow} {self.path} {'ok' if self.succeeded else self.reason}"


class LogEvent(models.Model):
    """One entry of the tenant's log, in Auth0's shape: every flow's outcome, every block and admin change.

    `type` is Auth0's event code (identity/logs.py). Never holds a password, hash, token or script output."""

    date = models.DateTimeField(default=timezone.now, db_index=True)
    type = models.CharField(max_length=16, db_index=True)
    description = models.CharField(max_length=255, blank=True)
    # Kept when the connection is deleted, like the audit trail; connection_name says which it was.
    connection = models.ForeignKey(Connection, null=True, blank=True, on_delete=models.SET_NULL, related_name="logs")
    connection_name = models.CharField(max_length=128, blank=True, db_index=True)
    ip = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    user_id = models.CharField(max_length=262, blank=True, db_index=True, help_text="auth0|<user_id>")
    user_name = models.CharField(max_length=254, blank=True, db_index=True)
    actor_label = models.CharField(max_length=150, blank=True, help_text="The admin behind an admin change.")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["connection_name", "date"]), models.Index(fields=["type", "date"])]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d %H:%M:%S} {self.type} {self.user_name}"

    @property
    def log_id(self) -> str:
        # Fixed width, so log ids sort as they were written (the `from` checkpoint of GET /logs).
        return f"{self.pk:024d}"


class LogStream(models.Model):
    """A webhook that receives the log in batches (HTTP POST, HMAC-signed), in order, each entry once.

    `cursor` is the last LogEvent delivered. A failed batch is retried with back-off; after
    TRICKLE_LOG_STREAM_MAX_FAILURES failures in a row the stream is suspended until an admin resumes it."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused by an admin"
        SUSPENDED = "suspended", "Suspended after repeated failures"

    name = models.CharField(max_length=100, unique=True)
    endpoint = models.URLField(max_length=500)
    # The HMAC key, Fernet-encrypted; shown once when the stream is created.
    secret_encrypted = models.TextField(editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    cursor = models.BigIntegerField(default=0, help_text="The id of the last log entry delivered.")
    failures = models.PositiveIntegerField(default=0, help_text="Failed deliveries in a row.")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)  # one deliverer at a time
    last_error = models.CharField(max_length=255, blank=True)
    last_delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LogStreamDelivery(models.Model):
    """One attempt to deliver a batch: what the delivery status page lists."""

    stream = models.ForeignKey(LogStream, on_delete=models.CASCADE, related_name="deliveries")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    first_log = models.BigIntegerField()
    last_log = models.BigIntegerField()
    count = models.PositiveIntegerField()
    ok = models.BooleanField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=255, blank=True)
    duration_ms = models.FloatField(default=0)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.stream} {self.first_log}-{self.last_log} {'ok' if self.ok else self.error}"


class LegacyUser(models.Model):
    """One user of the legacy store, as the admin listed them (CSV) and get_user may have confirmed.

    Compared with the managed store (by email or user_id) this says how many users have not migrated yet."""

    class Source(models.TextChoices):
        UPLOAD = "upload", "Uploaded list"
        GET_USER = "get_user", "Confirmed by get_user"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="legacy_population")
    email = models.CharField(max_length=254, blank=True, help_text="Lower-cased.")
    user_id = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UPLOAD)
    added_at = models.DateTimeField(auto_now_add=True)
    # The background walk: when get_user was asked, and whether it knew the user.
    checked_at = models.DateTimeField(null=True, blank=True)
    found = models.BooleanField(null=True)
    # The admin gave up on this user (retiring the legacy store without them).
    accepted_lost_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["email", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "email"], condition=~Q(email=""), name="unique_legacy_user_email"
            ),
            models.UniqueConstraint(
                fields=["connection", "user_id"], condition=~Q(user_id=""), name="unique_legacy_user_id"
            ),
        ]

    def __str__(self) -> str:
        return self.email or self.user_id


def _job_id() -> str:
    return "job_" + secrets.token_hex(8)


class UserImportJob(models.Model):
    """A bulk import of users (identity/imports.py), run by a Celery worker; Auth0's users-imports job."""

    class Status(models.TextChoices):
        PENDING = "pending"
        PROCESSING = "processing"
        COMPLETED = "completed"
        FAILED = "failed"

    public_id = models.CharField(max_length=24, unique=True, default=_job_id, editable=False)
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="import_jobs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    upsert = models.BooleanField(default=False)
    external_id = models.CharField(max_length=100, blank=True)
    # The uploaded file holds password hashes: Fernet-encrypted, and erased when the job ends.
    payload_encrypted = models.TextField(blank=True, editable=False)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    inserted = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # [{line, user (without hashes), errors: [{code, message, path}]}]
    errors = models.JSONField(default=list, blank=True)
    message = models.CharField(max_length=500, blank=True, help_text="Why the whole job failed.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.public_id} {self.status}"


class LoginFailureStreak(models.Model):
    """Consecutive failed logins for one identifier from one IP (Auth0's brute-force protection).

    A good login removes the row; reaching the limit sets `blocked_at`, and then logins for this pair are
    refused without running any script until an admin unblocks it or the password is reset."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="login_failure_streaks")
    identifier = models.CharField(max_length=254, help_text="What was typed at login, lower-cased.")
    ip = models.CharField(max_length=45)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField()
    blocked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "identifier", "ip"], name="unique_login_failure_streak")
        ]

    def __str__(self) -> str:
        return f"{self.identifier} from {self.ip}: {self.failures}{' (blocked)' if self.blocked_at else ''}"


class SuspiciousIp(models.Model):
    """Failed logins from one IP across all accounts in the current window (suspicious-IP throttling).

    Reaching the limit blocks the IP for the rest of the window, or until an admin unblocks it."""

    ip = models.CharField(max_length=45, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    blocked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.ip}: {self.failures}{' (blocked)' if self.blocked_at else ''}"


class DemoLegacyUser(models.Model):
    """The demo legacy store behind /demo-legacy/ (`make run`): plain bcrypt hashes, as a legacy database has."""

    email = models.CharField(max_length=254, unique=True)
    password_hash = models.CharField(max_length=100)
    nickname = models.CharField(max_length=100, blank=True)
    email_verified = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.email


class LegacyCircuit(models.Model):
    """The circuit breaker of one connection's legacy store (identity.circuit), shared by every process.

    Closed: scripts run. Open: calls that need the legacy store fail at once with legacy_unavailable,
    until `cooldown_s` after `opened_at`. Half open: one probe call is running; its outcome closes or
    reopens the circuit. The thresholds are None where the settings' defaults apply."""

    class State(models.TextChoices):
        CLOSED = "closed", "Closed"
        OPEN = "open", "Open"
        HALF_OPEN = "half_open", "Half open (probing)"

    connection = models.OneToOneField(Connection, on_delete=models.CASCADE, related_name="legacy_circuit")
    state = models.CharField(max_length=10, choices=State.choices, default=State.CLOSED)
    failures = models.PositiveIntegerField(default=0, help_text="Consecutive infrastructure failures in the window.")
    window_started_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    probe_started_at = models.DateTimeField(null=True, blank=True)
    last_failure = models.CharField(max_length=300, blank=True, help_text="The reason and message of the last failure.")
    failure_threshold = models.PositiveIntegerField(null=True, blank=True)
    window_s = models.PositiveIntegerField(null=True, blank=True)
    cooldown_s = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.connection_id} {self.state}"


# Scripts whose real call is repeated by a shadow run unless the admin chooses otherwise: they only read.
SHADOW_SAFE_SCRIPTS = ("login", "get_user", "verify")
# Scripts that write to the legacy store: repeated only when the admin explicitly allows each one.
SHADOW_WRITING_SCRIPTS = ("create", "change_password", "delete", "change_email")


class ShadowSession(models.Model):
    """A draft revision running in shadow (identity.shadow): each real call of one of `scripts` is repeated
    with the draft's script, after the real answer was given, until `max_calls` comparisons or `ends_at`."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed (call limit reached)"
        EXPIRED = "expired", "Ended (time limit reached)"
        STOPPED = "stopped", "Stopped"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="shadow_sessions")
    revision = models.ForeignKey(
        "scripts_editor.ScriptRevision", on_delete=models.CASCADE, related_name="shadow_sessions"
    )
    scripts = models.JSONField(help_text="The script keys whose real calls are repeated with the draft.")
    max_calls = models.PositiveIntegerField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    # Calls claimed (a slot is taken before the draft runs, so there are never more than max_calls) and agreed.
    calls = models.PositiveIntegerField(default=0)
    agreed = models.PositiveIntegerField(default=0)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    started_by_label = models.CharField(max_length=150, blank=True)  # survives the user's deletion
    started_at = models.DateTimeField(auto_now_add=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by_label = models.CharField(max_length=150, blank=True)  # "system" at the call or time limit

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection"], condition=Q(status="running"), name="one_running_shadow_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.connection_id} shadow of revision {self.revision_id} ({self.status})"

    @property
    def agreement_rate(self) -> float | None:
        """Agreeing comparisons / comparisons recorded, in percent; None before the first."""
        done = self.comparisons_done
        return None if not done else round(100 * self.agreed / done, 1)

    @property
    def comparisons_done(self) -> int:
        # Annotated by the selectors; a claimed call whose draft is still running is not counted.
        return getattr(self, "comparison_count", self.calls)


class ShadowComparison(models.Model):
    """One real call and the draft's run with the same arguments. Outcomes are kept masked (no password or
    secret configuration value, no credential field): in full where they differ, as their kind where they agree."""

    session = models.ForeignKey(ShadowSession, on_delete=models.CASCADE, related_name="comparisons")
    script = models.CharField(max_length=20)
    agree = models.BooleanField()
    # {"kind": "profile"|"not_found"|"wrong_password"|"value"|"error", ...}: see identity.shadow.outcome_of.
    live = models.JSONField()
    draft = models.JSONField()
    arguments = models.JSONField(default=list, help_text="Masked: passwords and secrets as ********.")
    draft_logs = models.JSONField(default=list, help_text="The draft run's console, masked (differing cases).")
    live_ms = models.FloatField(null=True, blank=True)
    draft_ms = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["session", "agree"], name="shadow_comparison_agree")]

    def __str__(self) -> str:
        return f"{self.script} {'agrees' if self.agree else 'differs'}"

    @property
    def differing_fields(self) -> list[str]:
        """Where the two outcomes differ: "kind", or the fields (profile.attributes.nickname, name, code)."""
        if self.agree:
            return []
        if self.live.get("kind") != self.draft.get("kind"):
            return ["kind"]
        return _differences(self.live, self.draft, "")


def _differences(live: dict, draft: dict, prefix: str) -> list[str]:
    found = []
    for key in sorted(set(live) | set(draft), key=str):
        a, b = live.get(key), draft.get(key)
        if key == "message" or a == b:
            continue  # messages are not compared (identity.shadow.outcomes_agree)
        if isinstance(a, dict) and isinstance(b, dict):
            found += _differences(a, b, f"{prefix}{key}.")
        else:
            found.append(f"{prefix}{key}")
    return found
