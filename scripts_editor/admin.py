from django.contrib import admin
from django.utils.html import format_html_join

from connections_admin.admin import ReadOnlyAdminMixin
from connections_admin.permissions import can_change

from .models import ScriptRevision, ScriptRun, ScriptRunLine


@admin.register(ScriptRevision)
class ScriptRevisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Revisions are history: visible to those who may view them, changed by nobody (save via the editor)."""

    list_display = ["connection", "number", "author_label", "message", "created_at"]
    list_filter = ["connection"]
    search_fields = ["connection__name", "message", "author_label"]
    list_select_related = ["connection"]
    fields = ["connection", "number", "author", "author_label", "message", "restored_from", "created_at", "scripts"]
    readonly_fields = fields

    @admin.display(description="Scripts")
    def scripts(self, obj):
        return format_html_join(
            "",
            '<h3 style="margin-top:1em">{}</h3><pre style="white-space:pre-wrap">{}</pre>',
            ((key, body or "(empty: not implemented)") for key, body in obj.scripts.items()),
        )


class ScriptRunLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ScriptRunLine
    fields = ["seq", "time", "level", "text"]
    readonly_fields = fields
    extra = 0


@admin.register(ScriptRun)
class ScriptRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Runs are a record of what happened: read-only (start them from the Try panel or the API)."""

    list_display = ["created_at", "connection", "script", "status", "requested_by_label", "duration_ms"]
    list_filter = ["status", "script", "connection"]
    search_fields = ["connection__name", "requested_by_label", "id"]
    list_select_related = ["connection"]
    fields = [
        "id",
        "connection",
        "script",
        "status",
        "revision",
        "arguments",
        "result",
        "error",
        "duration_ms",
        "timeout_s",
        "requested_by",
        "requested_by_label",
        "created_at",
        "started_at",
        "finished_at",
        "deadline_at",
        "source",
    ]
    readonly_fields = fields
    inlines = [ScriptRunLineInline]

    # A run's output is for those who may change connections (scripts_editor.runs.selectors says why).
    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if can_change(request.user) else [f for f in fields if f not in ("result", "error")]

    def get_inlines(self, request, obj):
        return self.inlines if can_change(request.user) else []
