"""The managed user store, the record of every flow through a connection, and the demo legacy store."""

from django.contrib.auth.hashers import check_password, is_password_usable, make_password
from django.db import models
from django.db.models import Q

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
    # Django's hashers, of the password typed at the migrating login; unusable for cached legacy profiles.
    password = models.CharField(max_length=256, default="!", editable=False)
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
    user = models.ForeignKey(ManagedUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    # [{script, status, ms, error, logs: [{level, text, time}]}]: logs as scriptd redacted them.
    script_runs = models.JSONField(default=list, blank=True)
    duration_ms = models.FloatField(default=0)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["connection", "flow", "at"])]

    def __str__(self) -> str:
        return f"{self.flow} {self.path} {'ok' if self.succeeded else self.reason}"


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
