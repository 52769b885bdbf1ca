"""Auth0-shaped bodies for /api/v2/connections. Serializers only validate and shape; services write."""

from rest_framework import serializers

from scripts_editor.scripts import SCRIPT_KEYS


class CustomScriptsField(serializers.DictField):
    """`options.customScripts`: the seven keys only; an unknown key is a 400 that names it."""

    child = serializers.CharField(allow_blank=True, trim_whitespace=False)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        unknown = sorted(set(value) - set(SCRIPT_KEYS))
        if unknown:
            raise serializers.ValidationError(
                f"unknown script key(s) {', '.join(unknown)}; allowed: {', '.join(SCRIPT_KEYS)}")
        return value


class OptionsSerializer(serializers.Serializer):
    enabledDatabaseCustomization = serializers.BooleanField(required=False, default=False,
                                                            help_text='"Use my own database".')
    import_mode = serializers.BooleanField(required=False, default=False, help_text='"Import users" (migration).')
    requires_username = serializers.BooleanField(required=False, default=False)
    enable_script_context = serializers.BooleanField(required=False, default=False,
                                                     help_text="Cannot be turned off once on.")
    customScripts = CustomScriptsField(required=False, help_text=f"Script bodies keyed by {', '.join(SCRIPT_KEYS)}.")
    configuration = serializers.DictField(
        child=serializers.CharField(allow_null=True, trim_whitespace=False, max_length=4096), required=False,
        help_text="Write-only values. On PATCH: absent = unchanged, a key set to null = removed, a string = set. "
                  "Reads return the keys with a fixed mask.")
    trickle_egress_allowlist = serializers.ListField(
        child=serializers.CharField(max_length=261), required=False, default=list,
        help_text="Trickle extension: host:port entries the scripts' database and HTTP bridges may reach.")
    trickle_script_timeout_s = serializers.IntegerField(
        required=False, default=20, min_value=1, max_value=60,
        help_text="Trickle extension: wall-clock limit of one script run, in seconds.")
    trickle_legacy_globals = serializers.BooleanField(
        required=False, default=True,
        help_text="Trickle extension: offer Auth0's early-runtime bare globals (bcrypt, crypto, request ...).")

    def validate_trickle_egress_allowlist(self, entries):
        for entry in entries:
            host, sep, port = entry.rpartition(":")
            if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise serializers.ValidationError(f"{entry!r} is not host:port.")
        return [e.lower() for e in entries]


class ConnectionWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=128)
    display_name = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    strategy = serializers.ChoiceField(choices=["auth0"], required=False, default="auth0")
    options = OptionsSerializer(required=False)


class ConnectionPatchSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=128, required=False, allow_blank=True)
    options = OptionsSerializer(required=False, help_text="Replaced as a whole, except `configuration`.")
    name = serializers.CharField(required=False, help_text="Cannot be changed; accepted only when unchanged.")
    strategy = serializers.CharField(required=False, help_text="Cannot be changed; accepted only when unchanged.")


class ConnectionReadSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    display_name = serializers.CharField()
    strategy = serializers.CharField()
    is_domain_connection = serializers.BooleanField()
    realms = serializers.ListField(child=serializers.CharField())
    enabled_clients = serializers.ListField(child=serializers.CharField())
    metadata = serializers.DictField()
    options = OptionsSerializer()
    trickle_revision = serializers.IntegerField(help_text="Trickle extension: the current script revision number.")


class ConnectionPageSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    start = serializers.IntegerField()
    limit = serializers.IntegerField()
    connections = ConnectionReadSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    statusCode = serializers.IntegerField()
    error = serializers.CharField()
    message = serializers.CharField()
    errorCode = serializers.CharField()


class RevisionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    author = serializers.CharField(allow_blank=True)
    message = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    restored_from = serializers.IntegerField(allow_null=True)
    customScripts = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
