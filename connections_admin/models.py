import secrets
import string

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse

from scriptd_client import limits

from . import crypto
from .crypto import MASK

_ALPHANUMERIC = string.ascii_letters + string.digits

# Auth0's rule: letters and digits, single hyphens only between them, at most 128 characters.
NAME_RE = r"^[a-zA-Z0-9](?:-?[a-zA-Z0-9])*$"
name_validator = RegexValidator(
    NAME_RE, "Use letters, digits and single hyphens between them (no leading, trailing or double hyphens)."
)
# Configuration keys become `configuration.KEY` in scripts, so they must be JavaScript identifiers.
CONFIG_KEY_PATTERN = r"^[A-Za-z_$][A-Za-z0-9_$]*$"
MAX_CONFIG_KEY_LENGTH = 64
MAX_NAME_LENGTH = 128  # a connection's name and display name
config_key_validator = RegexValidator(
    CONFIG_KEY_PATTERN, "Use a JavaScript identifier: letters, digits, _ or $, not starting with a digit."
)

MAX_VARIABLES_PER_CONNECTION = 100
MAX_VARIABLE_VALUE_LENGTH = 4096  # characters


def new_public_id() -> str:
    return "con_" + "".join(secrets.choice(_ALPHANUMERIC) for _ in range(16))


def script_timeout_default() -> int:
    """The run time limit a new connection starts with: TRICKLE_SCRIPT_TIMEOUT_S (read when used, not frozen into
    a migration)."""
    return limits.timeout_default_s()


class Connection(models.Model):
    public_id = models.CharField(max_length=20, unique=True, default=new_public_id, editable=False)
    name = models.CharField(max_length=MAX_NAME_LENGTH, unique=True, validators=[name_validator])
    display_name = models.CharField(max_length=MAX_NAME_LENGTH, blank=True)
    strategy = models.CharField(max_length=16, default="auth0", editable=False)
    use_own_database = models.BooleanField(
        "Use my own database",
        default=False,
        help_text="Auth0's options.enabledDatabaseCustomization: logins run your action scripts.",
    )
    import_users = models.BooleanField(
        "Import users",
        default=False,
        help_text="Auth0's options.import_mode: the first successful login copies the user into Trickle.",
    )
    requires_username = models.BooleanField(default=False)
    enable_script_context = models.BooleanField(
        default=False, help_text="Pass a context argument before callback (cannot be turned off once on)."
    )
    legacy_globals = models.BooleanField(
        default=True,
        help_text="Offer the bare globals of Auth0's early runtimes (bcrypt, crypto, request, pg, mysql ...).",
    )
    egress_allowlist = models.JSONField(
        default=list, blank=True, help_text="host:port entries the scripts' I/O bridges may connect to."
    )
    script_timeout_s = models.PositiveSmallIntegerField(
        default=script_timeout_default, help_text="Wall-clock limit of one script run, in seconds (at most 60)."
    )
    # Bumped by every settings change, so an edit made from a stale page is refused, not silently merged.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("connections_admin:connection-detail", args=[self.public_id])

    @property
    def mode(self) -> str:
        if not self.use_own_database:
            return "managed"
        return "migration" if self.import_users else "legacy"


class ConfigurationVariable(models.Model):
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="variables")
    key = models.CharField(max_length=MAX_CONFIG_KEY_LENGTH, validators=[config_key_validator])
    # Fernet token; never rendered. Read it only through selectors that decrypt for a run.
    value_encrypted = models.TextField(editable=False)
    # Secret (the default): write-only and masked in run output. Plain: shown in the dashboard, the API and
    # exports, and never masked (ports, host names, flags: masking "5432" everywhere only hides the logs).
    plain = models.BooleanField(
        default=False,
        help_text="Not a secret: shown in the dashboard, the API and exports, never masked in run output.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["connection", "key"], name="unique_variable_key")]

    def __str__(self) -> str:
        return f"{self.key} = {self.shown_value}"

    @property
    def shown_value(self) -> str:
        """What pages, the admin, API reads and exports show: a plain value itself, a secret's mask."""
        return crypto.decrypt(self.value_encrypted) if self.plain else MASK


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        CONNECTION_CREATED = "connection.created", "Connection created"
        CONNECTION_UPDATED = "connection.updated", "Settings changed"
        CONNECTION_DELETED = "connection.deleted", "Connection deleted"
        VARIABLE_SET = "variable.set", "Variable set"
        VARIABLE_REMOVED = "variable.removed", "Variable removed"
        SCRIPTS_SAVED = "scripts.saved", "Scripts saved"
        SCRIPTS_RESTORED = "scripts.restored", "Revision restored"
        SCRIPT_TRIED = "script.tried", "Script tried"
        USER_MIGRATED = "user.migrated", "User migrated"
        USER_DELETED = "user.deleted", "User deleted"
        USER_EVENT = "user.event", "User event"
        CONNECTIONS_IMPORTED = "connections.imported", "Imported from files"
        CIRCUIT_OPENED = "circuit.opened", "Legacy store circuit opened"
        CIRCUIT_CLOSED = "circuit.closed", "Legacy store circuit closed"
        SCRIPTS_DEPLOYED = "scripts.deployed", "Revision deployed"
        CANARY_STARTED = "canary.started", "Canary started"
        CANARY_PROMOTED = "canary.promoted", "Canary promoted"
        CANARY_STOPPED = "canary.stopped", "Canary stopped"
        CANARY_ROLLED_BACK = "canary.rolled_back", "Canary rolled back automatically"
        SHADOW_STARTED = "shadow.started", "Shadow run started"
        SHADOW_STOPPED = "shadow.stopped", "Shadow run stopped"

    # Kept when the connection is deleted, so the trail survives; connection_name says which it was.
    connection = models.ForeignKey(Connection, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    connection_name = models.CharField(max_length=128)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40, choices=Action.choices)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action} {self.connection_name}"

    def save(self, *args, **kwargs):
        if self.pk:  # append-only: an audit trail that can be edited proves nothing
            raise ValueError("audit events cannot be changed")
        super().save(*args, **kwargs)
