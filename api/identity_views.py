"""/api/v2/connections/{id}/authenticate, signup, change-password, verify, change-email and users: thin
views over identity.services. A failed flow answers in the Auth0 envelope with its reason as `errorCode`."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from connections_admin.models import Connection
from identity import selectors, services
from identity.end_user import end_user
from identity.exceptions import REASONS
from identity.profiles import profile_public

from . import identity_serializers as s
from .serializers import ErrorSerializer

SCOPE = "authenticate:users"


def flow_errors(*reasons: str) -> dict:
    """One documented response per status, listing the reasons (errorCode values) it can carry."""
    by_status: dict[int, list[str]] = {
        400: ["invalid_body"],
        401: ["invalid_token"],
        403: ["insufficient_scope"],
        404: ["inexistent_resource"],
        429: ["too_many_requests"],
    }
    for reason in reasons:
        by_status.setdefault(REASONS[reason][0], []).append(reason)
    return {
        code: OpenApiResponse(
            ErrorSerializer,
            description="errorCode: "
            + "; ".join(f"`{r}`" + (f": {REASONS[r][1]}" if r in REASONS else "") for r in codes),
        )
        for code, codes in sorted(by_status.items())
    }


# Every flow that may run a script can fail in these ways.
SCRIPT_FAILURES = (
    "script_error",
    "script_timeout",
    "script_crash",
    "script_not_implemented",
    "scriptd_unavailable",
    "invalid_profile",
    "duplicate_email",
    "user_id_changed",
)


class _FlowView(APIView):
    required_scopes = {"POST": SCOPE}
    serializer_class = None

    def call(self, connection, data, user):
        raise NotImplementedError

    def post(self, request, public_id):
        connection = get_object_or_404(Connection, public_id=public_id)
        serializer = self.serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.end_user = end_user(request, forwarded=True)
        return self.answer(self.call(connection, serializer.validated_data, request.user))

    def answer(self, result):
        return Response(
            {
                "trickle_path": result.path,
                "user": profile_public(result.user) if result.user and result.user.pk else None,
            }
        )


@extend_schema_view(
    post=extend_schema(
        operation_id="users_authenticate",
        summary="Log a user in through the connection",
        description="The username may be an email. A user in the managed store is checked locally; otherwise "
        "the login script runs and, in migration mode, the user is stored with this password. Send the end "
        "user's IP as the `auth0-forwarded-for` header (and their User-Agent) so brute-force protection "
        "counts them, not your server.",
        request=s.AuthenticateSerializer,
        responses={
            200: OpenApiResponse(s.PROFILE_SCHEMA, description="The normalised profile."),
            **flow_errors(
                "wrong_username_or_password",
                "no_profile",
                "unauthorized",
                "user_exists",
                "user_blocked",
                "too_many_attempts",
                "ip_blocked",
                *SCRIPT_FAILURES,
            ),
        },
    )
)
class AuthenticateView(_FlowView):
    serializer_class = s.AuthenticateSerializer

    def call(self, connection, data, user):
        return services.user_login(
            connection=connection, username=data["username"], password=data["password"], by=user, **self.end_user
        )

    def answer(self, result):
        return Response({**profile_public(result.user), "trickle_path": result.path})


@extend_schema_view(
    post=extend_schema(
        operation_id="users_signup",
        summary="Sign a user up through the connection",
        description="Legacy mode: get_user, create, then login to confirm. Migration mode: a local user, once "
        "get_user says the email is free.",
        request=s.SignupSerializer,
        responses={
            201: OpenApiResponse(s.PROFILE_SCHEMA, description="The new user's profile."),
            **flow_errors("user_exists", "no_profile", "wrong_username_or_password", "unauthorized", *SCRIPT_FAILURES),
        },
    )
)
class SignupView(_FlowView):
    serializer_class = s.SignupSerializer

    def call(self, connection, data, user):
        return services.user_signup(
            connection=connection,
            email=data["email"],
            password=data["password"],
            username=data["username"],
            user_metadata=data["user_metadata"],
            by=user,
            **self.end_user,
        )

    def answer(self, result):
        return Response({**profile_public(result.user), "trickle_path": result.path}, status=status.HTTP_201_CREATED)


@extend_schema_view(
    post=extend_schema(
        operation_id="users_change_password",
        summary="Change or reset a user's password",
        description="Locally for managed users; the change_password script in legacy mode; in migration mode a "
        "user get_user finds is migrated now with the new password.",
        request=s.ChangePasswordSerializer,
        responses={
            200: OpenApiResponse(s.FLOW_SCHEMA, description="Changed."),
            **flow_errors("user_not_found", "user_exists", *SCRIPT_FAILURES),
        },
    )
)
class ChangePasswordView(_FlowView):
    serializer_class = s.ChangePasswordSerializer

    def call(self, connection, data, user):
        return services.user_password_change(
            connection=connection, email=data["email"], new_password=data["password"], by=user, **self.end_user
        )


@extend_schema_view(
    post=extend_schema(
        operation_id="users_verify",
        summary="Mark a user's email verified",
        description="Locally for managed users; the verify script in legacy mode.",
        request=s.VerifySerializer,
        responses={
            200: OpenApiResponse(s.FLOW_SCHEMA, description="Verified."),
            **flow_errors("user_not_found", *SCRIPT_FAILURES),
        },
    )
)
class VerifyView(_FlowView):
    serializer_class = s.VerifySerializer

    def call(self, connection, data, user):
        return services.user_email_verify(connection=connection, email=data["email"], by=user, **self.end_user)


@extend_schema_view(
    post=extend_schema(
        operation_id="users_change_email",
        summary="Change a user's email",
        description="Locally for managed users; get_user (is the new email free?) then change_email in legacy "
        "mode; in migration mode get_user's profile is stored with the new email.",
        request=s.ChangeEmailSerializer,
        responses={
            200: OpenApiResponse(s.FLOW_SCHEMA, description="Changed."),
            **flow_errors("user_not_found", "user_exists", *SCRIPT_FAILURES),
        },
    )
)
class ChangeEmailView(_FlowView):
    serializer_class = s.ChangeEmailSerializer

    def call(self, connection, data, user):
        return services.user_email_change(
            connection=connection,
            email=data["email"],
            new_email=data["new_email"],
            verified=data["verified"],
            by=user,
            **self.end_user,
        )


def _user_row(user) -> dict:
    return {
        **profile_public(user),
        "trickle_managed": user.is_managed,
        "trickle_migrated_at": user.migrated_at,
        "last_login": user.last_login,
        "logins_count": user.logins_count,
    }


class UserListView(APIView):
    required_scopes = {"GET": SCOPE}

    @extend_schema(
        operation_id="users_list",
        summary="List the connection's users (tokens are never listed)",
        parameters=[s.UserListQuerySerializer],
        responses={200: OpenApiResponse(s.USER_LIST_SCHEMA, description="A page of users."), **flow_errors()},
    )
    def get(self, request, public_id):
        connection = get_object_or_404(Connection, public_id=public_id)
        query = s.UserListQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        page, per_page = query.validated_data["page"], query.validated_data["per_page"]
        users = selectors.managed_user_list(connection=connection, search=query.validated_data["q"])
        chunk = users[page * per_page : (page + 1) * per_page]
        return Response(
            {
                "total": users.count(),
                "start": page * per_page,
                "limit": per_page,
                "users": [_user_row(u) for u in chunk],
            }
        )


class UserDetailView(APIView):
    required_scopes = {"DELETE": SCOPE}

    @extend_schema(
        operation_id="users_delete",
        summary="Delete a user",
        description="A managed user is deleted from Trickle only, never from the legacy store. In "
        "legacy mode the delete script runs, then the cached profile goes.",
        responses={204: None, **flow_errors("user_not_found", *SCRIPT_FAILURES)},
    )
    def delete(self, request, public_id, user_id):
        connection = get_object_or_404(Connection, public_id=public_id)
        services.user_delete(connection=connection, user_id=user_id, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
