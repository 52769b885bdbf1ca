"""Django admin: every write goes through the same services as the dashboard; secrets stay masked."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from . import services
from .forms import add_service_errors
from .models import AuditEvent, ConfigurationVariable, Connection


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ConfigurationVariableInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Secrets are write-only (masked), plain values are shown: set them on the dashboard's Configuration tab."""

    model = ConfigurationVariable
    fields = ["key", "value", "plain", "updated_at", "updated_by"]
    readonly_fields = fields
    extra = 0

    @admin.display(description="value")
    def value(self, obj):
        return obj.shown_value


class ConnectionAdminForm(forms.ModelForm):
    """Runs the services' own checks in clean(), so a refused change is a form error, not a 500 in save_model."""

    class Meta:
        model = Connection
        fields = ["name", *services.UPDATABLE_FIELD_ORDER]

    def _post_clean(self):
        stored = Connection.objects.get(pk=self.instance.pk) if self.instance.pk else None
        super()._post_clean()  # copies the cleaned values onto self.instance
        fields = {f: self.cleaned_data[f] for f in self.changed_data if f in services.UPDATABLE_FIELDS}
        try:
            if stored is not None:
                services.connection_validate_update(connection=stored, **fields)
            elif "name" in self.cleaned_data:
                fields.pop("display_name", None)
                services.connection_validate_create(name=self.cleaned_data["name"], **fields)
        except ValidationError as e:
            add_service_errors(self, e)


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    form = ConnectionAdminForm
    list_display = ["name", "public_id", "use_own_database", "import_users", "updated_at"]
    list_filter = ["use_own_database", "import_users", "requires_username"]
    search_fields = ["name", "display_name", "public_id"]
    readonly_fields = ["public_id", "strategy", "created_at", "updated_at"]
    inlines = [ConfigurationVariableInline]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "name"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        fields = {f: form.cleaned_data[f] for f in form.changed_data if f in services.UPDATABLE_FIELDS}
        if change:
            stored = Connection.objects.get(pk=obj.pk)
            services.connection_update(connection=stored, by=request.user, **fields)
        else:
            fields.pop("display_name", None)
            created = services.connection_create(
                name=obj.name, display_name=obj.display_name, by=request.user, **fields
            )
            obj.pk, obj.public_id = created.pk, created.public_id

    def delete_model(self, request, obj):
        services.connection_delete(connection=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for connection in queryset:
            services.connection_delete(connection=connection, by=request.user)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "action", "connection_name"]
    list_filter = ["action", "created_at"]
    search_fields = ["connection_name", "actor_label"]
    readonly_fields = ["created_at", "connection", "connection_name", "actor", "actor_label", "action", "detail"]

    def has_view_permission(self, request, obj=None):
        return (
            request.user.is_active
            and request.user.is_staff
            and (
                request.user.has_perm("connections_admin.view_connection") or super().has_view_permission(request, obj)
            )
        )
