import uuid

from django.conf import settings
from django.db import models

from connections_admin.models import Connection

from .scripts import SCRIPT_KEYS, SCRIPTS


class ScriptRevision(models.Model):
    """All seven scripts of a connection as saved together.

    The newest revision is the *current* one: what the editor edits (selectors.script_revision_current). The
    *live* one, which serves logins, is ScriptDeployment.live_number (selectors.script_revision_live): a live
    save moves it to the new revision, a draft save does not, a deploy moves it to any stored revision.
    """

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="script_revisions")
    # base + 1 of the revision the editor started from; the unique constraint turns a race into a conflict.
    number = models.PositiveIntegerField()
    # {script key: body} with every key of scripts.SCRIPT_KEYS; "" means "not implemented".
    bodies = models.JSONField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    author_label = models.CharField(max_length=150, blank=True)  # survives the author's deletion
    message = models.CharField(max_length=200, blank=True)
    restored_from = models.PositiveIntegerField(null=True, blank=True)
    # Saved as a draft and never live since: it serves no login. Deploying it (or promoting its canary) clears
    # it for good; a revision that was live once and was rolled back from is not a draft again.
    is_draft = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["connection", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "number"], name="unique_script_revision_number"),
        ]

    def __str__(self) -> str:
        return f"{self.connection} revision {self.number}"

    @property
    def scripts(self) -> dict[str, str]:
        """The bodies in the canonical order, every key present."""
        return {key: self.bodies.get(key, "") for key in SCRIPT_KEYS}


class ScriptDeployment(models.Model):
    """Which revision of a connection serves logins, and how revisions may go live (issue 17, sections 2, 4).

    One row per connection, created by its first live save or deploy. Without a row (connections saved before
    drafts existed, or revisions stored directly) the newest revision that is not a draft is live.
    Every change of `live_number` is a conditional UPDATE on (live_number, version), so two admins deploying
    at once cannot silently overwrite each other: the second gets a conflict.
    """

    connection = models.OneToOneField(
        Connection, primary_key=True, on_delete=models.CASCADE, related_name="script_deployment"
    )
    live_number = models.PositiveIntegerField(default=0)  # 0: the blank stubs (revision 0, never stored)
    # Moves on every deploy, canary start or end: the deploy API's ETag / If-Match.
    version = models.PositiveIntegerField(default=1)
    # The connection's saved test cases must pass on a revision before it goes live (deploy or live save).
    require_tests = models.BooleanField(default=False)
    # Canary settings; None: the deployment's defaults (settings.CANARY_*).
    canary_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    canary_margin = models.PositiveSmallIntegerField(null=True, blank=True)  # percentage points
    canary_min_calls = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.connection_id} live revision {self.live_number}"


class ScriptCanary(models.Model):
    """A revision live for `percent` % of end users (sticky per user) beside the live revision, with both
    sides' call outcomes while it runs. At most one runs per connection; ended ones stay as its history."""

    class State(models.TextChoices):
        RUNNING = "running"
        PROMOTED = "promoted"  # went live for everyone
        ROLLED_BACK = "rolled_back"  # automatically: its infrastructure-error rate was too high
        STOPPED = "stopped"  # by an admin, or replaced by a deploy

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="script_canaries")
    revision = models.ForeignKey(ScriptRevision, on_delete=models.CASCADE, related_name="canaries")
    live_number = models.PositiveIntegerField()  # the live revision it ran beside
    state = models.CharField(max_length=12, choices=State.choices, default=State.RUNNING)
    percent = models.PositiveSmallIntegerField()
    margin = models.PositiveSmallIntegerField()  # percentage points of infrastructure-error rate
    min_calls = models.PositiveIntegerField()
    # Script calls and infrastructure failures (identity.circuit.is_infrastructure_failure) on each side.
    canary_calls = models.PositiveIntegerField(default=0)
    canary_failures = models.PositiveIntegerField(default=0)
    live_calls = models.PositiveIntegerField(default=0)
    live_failures = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    started_by_label = models.CharField(max_length=150, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by_label = models.CharField(max_length=150, blank=True)  # "system" for an automatic rollback
    reason = models.CharField(max_length=300, blank=True)  # why it ended, as the banner says it
    # The connection page shows a rolled-back canary until an admin dismisses the banner.
    acknowledged = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection"], condition=models.Q(state="running"), name="one_running_canary"
            )
        ]

    def __str__(self) -> str:
        return f"{self.connection_id} canary of revision {self.revision_id} ({self.state})"


class ScriptRun(models.Model):
    """One "Try" of one script: queued by the page or the API, executed by a Celery task in scriptd."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        TIMED_OUT = "timed_out"
        CRASHED = "crashed"

    DONE = (Status.SUCCEEDED, Status.FAILED, Status.TIMED_OUT, Status.CRASHED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="script_runs")
    # Set when the tried text is the saved body of this revision; null for an unsaved draft.
    revision = models.ForeignKey(ScriptRevision, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    source = models.TextField()  # the exact text that ran, saved or not
    script = models.CharField(max_length=20, choices=[(s.key, s.title) for s in SCRIPTS])
    # Keyed by parameter name; every password is stored as "********" (the raw value never reaches the DB).
    arguments = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    timeout_s = models.PositiveSmallIntegerField()
    result = models.JSONField(null=True, blank=True)
    # {name, message, code, description, user_id, statusCode, stack} as the sandbox reported them.
    error = models.JSONField(null=True, blank=True)
    duration_ms = models.FloatField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    requested_by_label = models.CharField(max_length=150, blank=True)  # survives the user's deletion
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Past this a `running` row is stale: the sweep marks it crashed.
    deadline_at = models.DateTimeField(null=True, blank=True)
    # The HTTP request that asked for the run: the same id is in the task's and scriptd's log lines.
    request_id = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["connection", "-created_at"], name="script_run_history"),
            models.Index(fields=["status", "deadline_at"], name="script_run_sweep"),
        ]

    def __str__(self) -> str:
        return f"{self.script} run {self.id} ({self.status})"

    @property
    def done(self) -> bool:
        return self.status in self.DONE


class ScriptRunLine(models.Model):
    """One console line of a run, numbered so the page can poll for the lines after `seq`."""

    run = models.ForeignKey(ScriptRun, on_delete=models.CASCADE, related_name="lines")
    seq = models.PositiveIntegerField()
    time = models.DateTimeField()
    level = models.CharField(max_length=8)
    text = models.TextField()

    class Meta:
        ordering = ["run", "seq"]
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="unique_script_run_line_seq")]

    def __str__(self) -> str:
        return f"{self.seq} {self.level}: {self.text[:60]}"


class ImportUpload(models.Model):
    """A dashboard import between its preview and its confirmation, in the database so that any web host
    can confirm it. `payload` is Fernet-encrypted (the zip and its keyword values, which may be secrets)."""

    id = models.CharField(primary_key=True, max_length=32)
    payload = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"import upload {self.id[:6]}… ({self.created_at:%Y-%m-%d %H:%M})"


class ScriptTestCase(models.Model):
    """A saved test case of one connection's script (scripts_editor.saved_tests): its arguments, with every
    password Fernet-encrypted apart from them and never shown back, and the outcome it expects."""

    class Expect(models.TextChoices):
        PROFILE = "profile", "A profile containing these fields"
        WRONG_PASSWORD = "wrong_password", "WrongUsernameOrPasswordError"
        NOT_FOUND = "not_found", "User not found (null)"
        VALIDATION_ERROR = "validation_error", "ValidationError with a code"
        ERROR = "error", "An error of this name"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="script_test_cases")
    name = models.CharField(max_length=128)
    script = models.CharField(max_length=20, choices=[(s.key, s.title) for s in SCRIPTS])
    arguments = models.JSONField(default=dict, help_text="As a Try run stores them: passwords replaced by a mask.")
    secrets = models.TextField(blank=True, editable=False, help_text="Fernet token of the passwords; never shown.")
    expect = models.CharField(max_length=20, choices=Expect.choices)
    # profile: the fields and values the answer must contain; validation_error: the code; error: the name.
    expected = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["connection", "name"], name="unique_script_test_case_name")]

    def __str__(self) -> str:
        return f"{self.connection_id} {self.name}"
