"""Bodies of the script-run endpoints. Arguments come back with every password as "********"."""

from rest_framework import serializers

from scriptd_client import limits
from scripts_editor.scripts import SCRIPT_KEYS

from .serializers import StrictCharField


class ScriptRunCreateSerializer(serializers.Serializer):
    script = StrictCharField(help_text=f"One of {', '.join(SCRIPT_KEYS)}.")
    args = serializers.DictField(
        help_text=(
            "Keyed by the script's parameters: login `email`, `password`; get_user and verify `email`; create `user` "
            "(email, password, username, user_metadata, app_metadata); change_password `email`, `newPassword`; "
            "delete `id`; change_email `email`, `newEmail`, `verified`."
        )
    )
    code = StrictCharField(
        required=False,
        trim_whitespace=False,
        max_length=limits.SOURCE_MAX_BYTES,
        help_text="The script's text to run; absent: the current revision's body.",
    )

    def validate_script(self, value):
        if value not in SCRIPT_KEYS:
            raise serializers.ValidationError(f"unknown script {value!r}; one of {', '.join(SCRIPT_KEYS)}.")
        return value


class ScriptRunQuerySerializer(serializers.Serializer):
    after = serializers.IntegerField(
        required=False,
        default=0,
        min_value=0,
        max_value=2**31 - 1,
        help_text="Only log lines with a larger `seq` (poll with the last `after`).",
    )


class ExplanationSerializer(serializers.Serializer):
    text = serializers.CharField()
    tone = serializers.CharField()
    warnings = serializers.ListField(child=serializers.CharField())


class ScriptRunLineSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    time = serializers.DateTimeField()
    level = serializers.CharField()
    text = serializers.CharField(allow_blank=True)


class ScriptRunSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    connection_id = serializers.CharField()
    script = serializers.CharField()
    status = serializers.ChoiceField(choices=["queued", "running", "succeeded", "failed", "timed_out", "crashed"])
    arguments = serializers.DictField(help_text='The inputs, passwords replaced by "********".')
    revision = serializers.IntegerField(allow_null=True, help_text="The revision whose body ran; null for a draft.")
    requested_by = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    duration_ms = serializers.FloatField(allow_null=True)
    timeout_s = serializers.IntegerField()
    result = serializers.JSONField(allow_null=True, help_text="The callback's value when the run succeeded.")
    error = serializers.DictField(
        allow_null=True, help_text="name, message, code, description, user_id, statusCode, stack."
    )
    output_hidden = serializers.CharField(
        allow_null=True,
        help_text="Set when the token's user may not change connections: lines, result and error are then "
        "left out (a script can print its configuration), and this says so.",
    )
    explanation = ExplanationSerializer(allow_null=True, help_text="What the outcome means to the login flow.")


class ScriptRunSerializer(ScriptRunSummarySerializer):
    done = serializers.BooleanField(help_text="No more lines or status changes will come.")
    after = serializers.IntegerField(help_text="Pass as ?after= on the next poll.")
    lines = ScriptRunLineSerializer(many=True)
