"""{% script_release connection %}: a banner on every page of a connection while a canary runs, and after one
was rolled back automatically until an admin dismisses it (scripts_editor.deploy)."""

from django import template

from connections_admin.permissions import can_change
from scripts_editor import deploy
from scripts_editor.models import ScriptCanary

register = template.Library()


@register.inclusion_tag("scripts_editor/_release_banner.html", takes_context=True)
def script_release(context, connection):
    shown = connection.script_canaries.filter(state=ScriptCanary.State.RUNNING) | connection.script_canaries.filter(
        state=ScriptCanary.State.ROLLED_BACK, acknowledged=False
    )
    canaries = [deploy.canary_summary(c) for c in shown.select_related("revision")[:2]]
    request = context.get("request")
    return {
        "connection": connection,
        "running": next((c for c in canaries if c["state"] == ScriptCanary.State.RUNNING), None),
        "rolled_back": next((c for c in canaries if c["state"] == ScriptCanary.State.ROLLED_BACK), None),
        "can_change": request is not None and can_change(request.user),
        "csrf_token": context.get("csrf_token"),
    }
