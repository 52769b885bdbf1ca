"""Django admin: read-only views of the managed store and the flows' record. Users are changed and deleted
through the dashboard or the API (the same services); hashes and identity tokens are never shown."""

from django.contrib import admin

from connections_admin.admin import ReadOnlyAdminMixin

from .models import FlowEvent, LegacyCircuit, ManagedUser


@admin.register(ManagedUser)
class ManagedUserAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["email", "user_id", "connection", "is_managed", "migrated_at", "last_login", "logins_count"]
    list_filter = ["is_managed", "connection"]
    search_fields = ["email", "username", "user_id"]
    fields = [
        "connection",
        "user_id",
        "email",
        "username",
        "email_verified",
        "is_managed",
        "attributes",
        "user_metadata",
        "app_metadata",
        "created_at",
        "migrated_at",
        "last_login",
        "logins_count",
    ]
    readonly_fields = fields


@admin.register(FlowEvent)
class FlowEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "connection", "flow", "path", "succeeded", "reason", "identifier", "duration_ms"]
    list_filter = ["flow", "path", "succeeded", "reason"]
    search_fields = ["identifier"]
    fields = [
        "at",
        "connection",
        "flow",
        "path",
        "succeeded",
        "reason",
        "message",
        "identifier",
        "user",
        "script_runs",
        "duration_ms",
    ]
    readonly_fields = fields


@admin.register(LegacyCircuit)
class LegacyCircuitAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The legacy store's circuit per connection; thresholds change through the API (audited)."""

    list_display = ["connection", "state", "failures", "opened_at", "last_failure"]
    list_filter = ["state"]
