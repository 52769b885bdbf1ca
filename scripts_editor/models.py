from django.conf import settings
from django.db import models

from connections_admin.models import Connection

from .scripts import SCRIPT_KEYS


class ScriptRevision(models.Model):
    """All seven scripts of a connection as saved together. The newest revision is the current one."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="script_revisions")
    # base + 1 of the revision the editor started from; the unique constraint turns a race into a conflict.
    number = models.PositiveIntegerField()
    # {script key: body} with every key of scripts.SCRIPT_KEYS; "" means "not implemented".
    bodies = models.JSONField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    author_label = models.CharField(max_length=150, blank=True)  # survives the author's deletion
    message = models.CharField(max_length=200, blank=True)
    restored_from = models.PositiveIntegerField(null=True, blank=True)
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
