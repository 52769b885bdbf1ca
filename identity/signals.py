"""Admin changes to connections reach the log too: connections_admin sits below identity and cannot call
it, so each new audit row of a connection change is mirrored here as an Auth0 `sapi` entry (what was done,
by whom, the variable's key; never the audit detail's values)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from connections_admin.models import AuditEvent

from . import logs

A = AuditEvent.Action
MIRRORED = {
    A.CONNECTION_CREATED: "Create a connection",
    A.CONNECTION_UPDATED: "Update a connection",
    A.CONNECTION_DELETED: "Delete a connection",
    A.VARIABLE_SET: "Set a configuration variable",
    A.VARIABLE_REMOVED: "Remove a configuration variable",
    A.SCRIPTS_SAVED: "Save the action scripts",
    A.SCRIPTS_RESTORED: "Restore a revision of the action scripts",
    A.CONNECTIONS_IMPORTED: "Import connections from files",
}


@receiver(post_save, sender=AuditEvent, dispatch_uid="identity.audit_mirrored")
def audit_mirrored(sender, instance: AuditEvent, created: bool, **kwargs) -> None:
    if not created or instance.action not in MIRRORED:
        return
    details = {"action": instance.action}
    if instance.action in (A.VARIABLE_SET, A.VARIABLE_REMOVED) and "key" in instance.detail:
        details["key"] = instance.detail["key"]
    logs.log_record(
        type="sapi",
        description=MIRRORED[instance.action],
        connection=instance.connection,
        connection_name=instance.connection_name,
        details=details,
        actor=instance.actor,
    )
