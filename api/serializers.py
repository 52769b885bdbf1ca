"""Auth0-shaped bodies for /api/v2/connections. Serializers only validate and shape; services write."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from connections_admin import services as connections
from connections_admin.auth0_shape import EGRESS_ENTRY_PATTERN, OPTION_FIELDS
from connections_admin.models import (
    CONFIG_KEY_PATTERN,
    MAX_CONFIG_KEY_LENGTH,
    MAX_NAME_LENGTH,
    MAX_VARIABLE_VALUE_LENGTH,
    MAX_VARIABLES_PER_CONNECTION,
    name_validator,
)
from identity import circuit
from scriptd_client import limits
from scripts_editor.scripts import SCRIPT_KEYS

OPTION_OF_FIELD = {field: option for option, field in OPTION_FIELDS.items()}


class StrictJsonMixin:
    """JSON bodies get their declared types only: DRF would turn 0 into "0" or "true" into True."""

    json_types: tuple[type, ...] = ()

    def to_internal_value(self, data):
        if not isinstance(data, self.json_types) or (isinstance(data, bool) and bool not in self.json_types):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(StrictJsonMixin, serializers.CharField):
    json_types = (str,)
    default_error_messages = {"invalid": "Must be a string."}


class StrictBooleanField(StrictJsonMixin, serializers.BooleanField):
    json_types = (bool,)
    default_error_messages = {"invalid": "Must be true or false."}


class StrictIntegerField(StrictJsonMixin, serializers.IntegerField):
    json_types = (int,)
    default_error_messages = {"invalid": "Must be a whole number."}


@extend_schema_field({"type": "string", "maxLength": 261, "pattern": EGRESS_ENTRY_PATTERN})
class EgressEntryField(StrictCharField):
    """A "host:port" entry; the pattern is published, the connection service checks it."""


@extend_schema_field(
    {
        "type": "object",
        "maxProperties": MAX_VARIABLES_PER_CONNECTION,
        "propertyNames": {"pattern": CONFIG_KEY_PATTERN, "maxLength": MAX_CONFIG_KEY_LENGTH},
        "additionalProperties": {"type": "string", "nullable": True, "maxLength": MAX_VARIABLE_VALUE_LENGTH},
    }
)
class ConfigurationField(serializers.DictField):
    """`options.configuration`: keys are JavaScript identifiers; the connection service checks them."""

    child = StrictCharField(allow_null=True, trim_whitespace=False)


@extend_schema_field(
    {
        "type": "object",
        "properties": {key: {"type": "string"} for key in SCRIPT_KEYS},
        "additionalProperties": False,
    }
)
class CustomScriptsField(serializers.DictField):
    """`options.customScripts`: the seven keys only; an unknown key is a 400 that names it."""

    child = StrictCharField(allow_blank=True, trim_whitespace=False)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        unknown = sorted(set(value) - set(SCRIPT_KEYS))
        if unknown:
            raise serializers.ValidationError(
                f"unknown script key(s) {', '.join(unknown)}; allowed: {', '.join(SCRIPT_KEYS)}"
            )
        return value


class CircuitBreakerSerializer(serializers.Serializer):
    """`options.trickle_circuit_breaker`: this connection's thresholds; null or absent = the deployment's default."""

    failures = StrictIntegerField(
        required=False, allow_null=True, help_text="Infrastructure failures in a row that open the circuit."
    )
    window_s = StrictIntegerField(required=False, allow_null=True, help_text="Within this many seconds.")
    cooldown_s = StrictIntegerField(
        required=False, allow_null=True, help_text="Seconds the circuit stays open before one probe call."
    )

    def validate(self, attrs):
        try:
            circuit.circuit_validate(overrides=attrs)
        except ValidationError as e:
            raise serializers.ValidationError(e.message_dict) from e
        return attrs


class OptionsSerializer(serializers.Serializer):
    enabledDatabaseCustomization = StrictBooleanField(required=False, default=False, help_text='"Use my own database".')
    import_mode = StrictBooleanField(required=False, default=False, help_text='"Import users" (migration).')
    requires_username = StrictBooleanField(required=False, default=False)
    enable_script_context = StrictBooleanField(required=False, default=False, help_text="Cannot be turned off once on.")
    customScripts = CustomScriptsField(required=False, help_text=f"Script bodies keyed by {', '.join(SCRIPT_KEYS)}.")
    configuration = ConfigurationField(
        required=False,
        help_text="On PATCH: absent = unchanged, a key set to null = removed, a string = set. Reads return "
        "secret values as a fixed mask (sent back, the mask keeps the stored secret) and plain values in full.",
    )
    trickle_plain_configuration = serializers.ListField(
        child=StrictCharField(max_length=MAX_CONFIG_KEY_LENGTH),
        required=False,
        help_text="Trickle extension: the configuration keys that are plain, not secret (shown in reads and "
        "exports, never masked in run output); every other key is a secret. Absent on PATCH: flags stay. "
        "Making a secret plain needs its value in `configuration` in the same request.",
    )
    trickle_egress_allowlist = serializers.ListField(
        child=EgressEntryField(),
        required=False,
        default=list,
        help_text="Trickle extension: host:port entries the scripts' database and HTTP bridges may reach.",
    )
    trickle_script_timeout_s = StrictIntegerField(
        required=False,
        default=limits.timeout_default_s,  # TRICKLE_SCRIPT_TIMEOUT_S
        min_value=limits.TIMEOUT_MIN_S,
        max_value=limits.TIMEOUT_MAX_S,
        help_text="Trickle extension: wall-clock limit of one script run, in seconds.",
    )
    trickle_legacy_globals = StrictBooleanField(
        required=False,
        default=True,
        help_text="Trickle extension: offer Auth0's early-runtime bare globals (bcrypt, crypto, request ...).",
    )

    trickle_circuit_breaker = CircuitBreakerSerializer(
        required=False,
        help_text="Trickle extension: the legacy store's circuit breaker thresholds (null: the deployment's default).",
    )
    trickle_circuit = serializers.DictField(
        read_only=True,
        help_text="Trickle extension, read only: the legacy store's circuit: state (closed, open, half_open), "
        "failures in a row, opened_at, retry_at, last_failure (a reason code) and the thresholds in force.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The deployment's default (TRICKLE_SCRIPT_TIMEOUT_S) as a value, so the published schema shows it.
        self.fields["trickle_script_timeout_s"].default = limits.timeout_default_s()

    def validate_trickle_egress_allowlist(self, entries):
        return [e.lower() for e in entries]

    def validate(self, attrs):
        # The connection services' rules, every problem at once, under the option names the body used.
        fields = {field: attrs[option] for option, field in OPTION_FIELDS.items() if option in attrs}
        errors = {}
        try:
            connections.connection_settings_validate(fields=fields)
        except ValidationError as e:
            errors |= {OPTION_OF_FIELD.get(field, field): messages for field, messages in e.message_dict.items()}
        for key, value in (attrs.get("configuration") or {}).items():
            try:
                connections.configuration_variable_validate(key=key, value="" if value is None else value)
            except ValidationError as e:
                errors.setdefault("configuration", {})[key] = [m for ms in e.message_dict.values() for m in ms]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ConnectionWriteSerializer(serializers.Serializer):
    # The model's own rule object, so the published schema states it (the service checks it again).
    name = StrictCharField(min_length=1, max_length=MAX_NAME_LENGTH, validators=[name_validator])
    display_name = StrictCharField(max_length=MAX_NAME_LENGTH, required=False, allow_blank=True, default="")
    strategy = serializers.ChoiceField(choices=["auth0"], required=False, default="auth0")
    options = OptionsSerializer(required=False)


class ConnectionPatchSerializer(serializers.Serializer):
    display_name = StrictCharField(max_length=MAX_NAME_LENGTH, required=False, allow_blank=True)
    options = OptionsSerializer(required=False, help_text="Replaced as a whole, except `configuration`.")
    name = StrictCharField(required=False, help_text="Cannot be changed; accepted only when unchanged.")
    strategy = StrictCharField(required=False, help_text="Cannot be changed; accepted only when unchanged.")


class ConnectionReadSerializer(serializers.Serializer):
    """Every field may be left out by `fields`/`include_fields`, so none is required in answers."""

    id = StrictCharField(required=False)
    name = StrictCharField(required=False)
    display_name = StrictCharField(required=False)
    strategy = StrictCharField(required=False)
    is_domain_connection = StrictBooleanField(required=False)
    realms = serializers.ListField(child=StrictCharField(), required=False)
    enabled_clients = serializers.ListField(child=StrictCharField(), required=False)
    metadata = serializers.DictField(required=False)
    options = OptionsSerializer(required=False)
    trickle_revision = StrictIntegerField(
        required=False, help_text="Trickle extension: the current script revision number (also the ETag)."
    )
    trickle_warnings = serializers.ListField(
        child=StrictCharField(),
        required=False,
        help_text="Trickle extension, in answers to POST and PATCH: what to know about the change, such as a "
        "secret shorter than 8 characters (masked in run output only where it stands alone as a word).",
    )


class FieldsQuerySerializer(serializers.Serializer):
    fields = serializers.CharField(
        required=False, allow_blank=True, help_text="Comma separated fields to include (or exclude)."
    )
    include_fields = serializers.BooleanField(
        required=False, default=True, help_text="true (default): only `fields`; false: all but `fields`."
    )

    def validate_fields(self, value):
        return [f for f in value.split(",") if f]


class ConnectionListQuerySerializer(FieldsQuerySerializer):
    strategy = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="Only these strategies (always auth0 here).",
    )
    name = serializers.CharField(required=False, allow_blank=True, help_text="Exact connection name.")
    page = serializers.IntegerField(
        required=False, default=0, min_value=0, max_value=10**6, help_text="Page index, from 0."
    )
    per_page = serializers.IntegerField(
        required=False, default=50, min_value=1, max_value=100, help_text="Page size, 1 to 100."
    )
    include_totals = serializers.BooleanField(
        required=False, default=False, help_text="Wrap the page in {total, start, limit, connections}."
    )


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
    is_draft = serializers.BooleanField(help_text="Saved as a draft and never live since: serves no login.")
    live = serializers.BooleanField(help_text="Serves logins now.")
    customScripts = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)


class CanarySerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    live_revision = serializers.IntegerField(help_text="The live revision it runs (or ran) beside.")
    state = serializers.ChoiceField(choices=["running", "promoted", "rolled_back", "stopped"])
    percent = serializers.IntegerField(help_text="Share of end users it serves (sticky per user).")
    margin = serializers.IntegerField(help_text="Percentage points of infrastructure-error rate above live's.")
    min_calls = serializers.IntegerField()
    canary_calls = serializers.IntegerField()
    canary_failures = serializers.IntegerField(help_text="Timeouts, crashes, connection errors, scriptd down.")
    canary_error_rate = serializers.FloatField()
    live_calls = serializers.IntegerField()
    live_failures = serializers.IntegerField()
    live_error_rate = serializers.FloatField()
    started_at = serializers.DateTimeField()
    started_by = serializers.CharField(allow_blank=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    ended_by = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)


class CanarySettingsSerializer(serializers.Serializer):
    percent = serializers.IntegerField(min_value=1, max_value=99)
    margin = serializers.IntegerField(min_value=0, max_value=100)
    min_calls = serializers.IntegerField(min_value=1, max_value=1_000_000)


class CanaryOverridesSerializer(serializers.Serializer):
    percent = serializers.IntegerField(min_value=1, max_value=99, allow_null=True, required=False)
    margin = serializers.IntegerField(min_value=0, max_value=100, allow_null=True, required=False)
    min_calls = serializers.IntegerField(min_value=1, max_value=1_000_000, allow_null=True, required=False)


class ReleaseSerializer(serializers.Serializer):
    """Trickle extension: which revision serves logins, the running canary and the release settings."""

    live_revision = serializers.IntegerField(help_text="Serves every login (0: the blank stubs).")
    version = serializers.IntegerField(help_text='Moves on every deploy and canary change; ETag "release.N".')
    require_tests = serializers.BooleanField(help_text="Saved test cases must pass before a revision goes live.")
    canary_settings = CanarySettingsSerializer(help_text="In effect: the connection's own or the defaults.")
    canary_overrides = CanaryOverridesSerializer(help_text="The connection's own; null: the default.")
    canary = CanarySerializer(allow_null=True, help_text="The running canary, if any.")
    rolled_back = CanarySerializer(
        allow_null=True, help_text="The last canary rolled back automatically, until dismissed on the dashboard."
    )


class ReleasePatchSerializer(serializers.Serializer):
    require_tests = serializers.BooleanField(required=False)
    canary = CanaryOverridesSerializer(required=False, help_text="Absent keys stay; null: the default.")


class CanaryStartSerializer(serializers.Serializer):
    percent = serializers.IntegerField(
        min_value=1, max_value=99, required=False, allow_null=True, help_text="Default: the connection's setting."
    )
