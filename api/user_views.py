"""/api/v2/users/{id} (read, change, delete, its logs) and /api/v2/user-blocks: Auth0-shaped user management.

A user is named by Auth0's id, `auth0|<user_id>` (the bare user_id works too). Users live per connection;
when two connections hold the same user_id, add `?connection=<name>` (a Trickle extension).
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from identity import protection, selectors, services, user_changes
from identity.logs import log_public
from identity.models import ManagedUser
from identity.profiles import profile_public

from .errors import ApiError
from .identity_serializers import UserListQuerySerializer
from .identity_views import flow_errors
from .serializers import ErrorSerializer, StrictBooleanField

ERRORS = {
    **flow_errors(),
    409: OpenApiResponse(
        ErrorSerializer, description="errorCode: `ambiguous`: several connections hold this user_id; add ?connection."
    ),
}
CONNECTION = OpenApiParameter("connection", str, description="The connection's name, when the user_id is ambiguous.")


def user_body(user: ManagedUser) -> dict:
    """Auth0's user object, with Trickle's own fields prefixed trickle_."""
    return {
        **profile_public(user),
        "blocked": user.blocked,
        "created_at": user.created_at,
        "last_login": user.last_login,
        "logins_count": user.logins_count,
        "trickle_managed": user.is_managed,
        "trickle_migrated_at": user.migrated_at,
    }


def _user(request, user_id: str) -> ManagedUser:
    found = selectors.users_by_api_id(user_id=user_id, connection=request.query_params.get("connection", ""))
    if not found:
        raise ApiError("The user does not exist.", status_code=404, error_code="inexistent_user")
    if len(found) > 1:
        raise ApiError(
            "Several connections hold this user_id: add ?connection=<name>.", status_code=409, error_code="ambiguous"
        )
    return found[0]


class UserPatchSerializer(serializers.Serializer):
    blocked = StrictBooleanField(required=False)
    email_verified = StrictBooleanField(required=False)
    password = serializers.CharField(
        required=False, write_only=True, min_length=8, max_length=1024, trim_whitespace=False
    )
    user_metadata = serializers.JSONField(required=False, help_text="Merged: top-level keys replace, null removes.")
    app_metadata = serializers.JSONField(required=False, help_text="Merged: top-level keys replace, null removes.")
    name = serializers.CharField(required=False, allow_null=True, max_length=300)
    nickname = serializers.CharField(required=False, allow_null=True, max_length=300)
    given_name = serializers.CharField(required=False, allow_null=True, max_length=150)
    family_name = serializers.CharField(required=False, allow_null=True, max_length=150)
    picture = serializers.URLField(required=False, allow_null=True, max_length=2000)
    connection = serializers.CharField(required=False, help_text="Accepted for Auth0 compatibility; ignored.")

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(f"Not changeable: {', '.join(sorted(unknown))}.")
        return attrs


class UserDetailView(APIView):
    required_scopes = {"GET": "read:users", "PATCH": "update:users", "DELETE": "delete:users"}

    @extend_schema(
        operation_id="users_get",
        summary="A user",
        parameters=[CONNECTION],
        responses={200: OpenApiResponse(), **ERRORS},
    )
    def get(self, request, user_id):
        return Response(user_body(_user(request, user_id)))

    @extend_schema(
        operation_id="users_update",
        summary="Change a user",
        description="blocked, email_verified, password (managed users only), user_metadata and app_metadata "
        "(merged at the top level; null removes a key), name, nickname, given_name, family_name, picture.",
        parameters=[CONNECTION],
        request=UserPatchSerializer,
        responses={200: OpenApiResponse(), **ERRORS},
    )
    def patch(self, request, user_id):
        user = _user(request, user_id)
        body = UserPatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("connection", None)
        attributes = {k: data.pop(k) for k in user_changes.PROFILE_ATTRIBUTES if k in data}
        if attributes:
            data["attributes"] = attributes
        user_changes.managed_user_update(user=user, by=request.user, merge_metadata=True, via="api", **data)
        return Response(user_body(user))

    @extend_schema(
        operation_id="users_delete_by_id",
        summary="Delete a user",
        parameters=[CONNECTION],
        responses={204: None, **ERRORS},
    )
    def delete(self, request, user_id):
        user = _user(request, user_id)
        services.user_delete(connection=user.connection, user_id=user.user_id, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserLogsView(APIView):
    required_scopes = {"GET": "read:logs"}

    @extend_schema(
        operation_id="users_logs",
        summary="A user's log events, newest first",
        parameters=[CONNECTION, UserListQuerySerializer],
        responses={200: OpenApiResponse(), **ERRORS},
    )
    def get(self, request, user_id):
        user = _user(request, user_id)
        query = UserListQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        page, per_page = query.validated_data["page"], query.validated_data["per_page"]
        logs = selectors.log_list(user=f"auth0|{user.user_id}", connection=user.connection.name)
        return Response([log_public(e) for e in logs[page * per_page : (page + 1) * per_page]])


def _blocks_body(blocks) -> dict:
    return {"blocked_for": [{"identifier": b.identifier, "ip": b.ip, "connection": b.connection.name} for b in blocks]}


class UserBlocksView(APIView):
    """GET/DELETE /api/v2/user-blocks/{id}: the brute-force blocks of a user (by id), as Auth0's."""

    required_scopes = {"GET": "read:users", "DELETE": "update:users"}

    @extend_schema(
        operation_id="user_blocks_get",
        summary="A user's brute-force blocks",
        parameters=[CONNECTION],
        responses={200: OpenApiResponse(), **ERRORS},
    )
    def get(self, request, user_id):
        user = _user(request, user_id)
        identifiers = protection.user_identifiers(user)
        return Response(_blocks_body(protection.login_blocks_for(connection=user.connection, identifiers=identifiers)))

    @extend_schema(
        operation_id="user_blocks_delete",
        summary="Unblock a user's blocked IP addresses",
        parameters=[CONNECTION],
        responses={204: None, **ERRORS},
    )
    def delete(self, request, user_id):
        user = _user(request, user_id)
        protection.login_blocks_clear(
            connection=user.connection, identifiers=protection.user_identifiers(user), by=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class IpBlockView(APIView):
    """GET/DELETE /api/v2/anomaly/blocks/ips/{ip}: suspicious-IP throttling, as Auth0's."""

    required_scopes = {"GET": "read:users", "DELETE": "update:users"}

    @extend_schema(
        operation_id="ip_block_get",
        summary="Is this IP blocked? 200 if so, 404 if not",
        responses={200: None, **ERRORS},
    )
    def get(self, request, ip):
        if protection.suspicious_ip_blocked(ip=ip) is None:
            raise ApiError("This IP address is not blocked.", status_code=404)
        return Response(status=status.HTTP_200_OK)

    @extend_schema(operation_id="ip_block_delete", summary="Unblock an IP address", responses={204: None, **ERRORS})
    def delete(self, request, ip):
        protection.suspicious_ip_unblock(ip=ip, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
