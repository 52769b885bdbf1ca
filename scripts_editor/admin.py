from django.contrib import admin
from django.utils.html import format_html_join

from .models import ScriptRevision


@admin.register(ScriptRevision)
class ScriptRevisionAdmin(admin.ModelAdmin):
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
            "", '<h3 style="margin-top:1em">{}</h3><pre style="white-space:pre-wrap">{}</pre>',
            ((key, body or "(empty: not implemented)") for key, body in obj.scripts.items()),
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
