"""Bodies of the identity endpoints under /api/v2/connections/{id}/. Serializers only validate and shape."""

from rest_framework import serializers

from .serializers import StrictBooleanField, StrictCharField

# Passwords are never trimmed: a space is part of what the user typed.
_password = {"max_length": 1024, "trim_whitespace": False, "write_only": True}


class AuthenticateSerializer(serializers.Serializer):
    username = StrictCharField(max_length=254, help_text="Email or username, as in Auth0's password-realm grant.")
    password = StrictCharField(**_password)


class SignupSerializer(serializers.Serializer):
    email = StrictCharField(max_length=254)
    password = StrictCharField(**_password)
    username = StrictCharField(
        max_length=128, required=False, default="", help_text="Required when the connection requires usernames."
    )
    user_metadata = serializers.DictField(required=False, default=dict)


class ChangePasswordSerializer(serializers.Serializer):
    email = StrictCharField(max_length=254)
    password = StrictCharField(help_text="The new password.", **_password)


class VerifySerializer(serializers.Serializer):
    email = StrictCharField(max_length=254)


class ChangeEmailSerializer(serializers.Serializer):
    email = StrictCharField(max_length=254)
    new_email = StrictCharField(max_length=254)
    verified = StrictBooleanField(required=False, default=False)


class UserListQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=254, help_text="Part of an email, username or user_id."
    )
    page = serializers.IntegerField(required=False, default=0, min_value=0, max_value=10**6)
    per_page = serializers.IntegerField(required=False, default=50, min_value=1, max_value=100)


# Answers are documented as JSON schemas: a profile carries any root attributes the script returned.
PROFILE_SCHEMA = {
    "type": "object",
    "required": ["user_id", "email", "email_verified", "identities"],
    "additionalProperties": True,
    "properties": {
        "user_id": {"type": "string", "description": "auth0|<the user_id the script returned>"},
        "email": {"type": "string"},
        "email_verified": {"type": "boolean"},
        "username": {"type": "string"},
        "user_metadata": {"type": "object"},
        "app_metadata": {"type": "object"},
        "identities": {"type": "array", "items": {"type": "object"}},
        "trickle_path": {
            "type": "string",
            "enum": ["managed", "legacy", "migrated"],
            "description": "Which store answered: the managed store, the legacy store, or the "
            "legacy store with the user migrated by this very call.",
        },
    },
}
FLOW_SCHEMA = {
    "type": "object",
    "required": ["trickle_path", "user"],
    "properties": {
        "trickle_path": PROFILE_SCHEMA["properties"]["trickle_path"],
        "user": {
            **PROFILE_SCHEMA,
            "nullable": True,
            "description": "The user as stored now (null when Trickle keeps no profile of them).",
        },
    },
}
USER_ROW_SCHEMA = {
    **PROFILE_SCHEMA,
    "properties": {
        **{k: v for k, v in PROFILE_SCHEMA["properties"].items() if k != "trickle_path"},
        "trickle_managed": {
            "type": "boolean",
            "description": "True: answered by Trickle's store; false: a profile "
            "cached from the legacy store (legacy mode).",
        },
        "trickle_migrated_at": {"type": "string", "format": "date-time", "nullable": True},
        "last_login": {"type": "string", "format": "date-time", "nullable": True},
        "logins_count": {"type": "integer"},
    },
}
USER_LIST_SCHEMA = {
    "type": "object",
    "required": ["total", "start", "limit", "users"],
    "properties": {
        "total": {"type": "integer"},
        "start": {"type": "integer"},
        "limit": {"type": "integer"},
        "users": {"type": "array", "items": USER_ROW_SCHEMA},
    },
}
