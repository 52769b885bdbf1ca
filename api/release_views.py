"""/api/v2/connections/{id}/release and the deploy and canary actions (scripts_editor.deploy): which revision
serves logins, deploying or rolling back to a revision, canaries. Writes are conditional: send If-Match with
the ETag "release.N" of your last read and a deploy after someone else's answers 412, nothing changed."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from connections_admin.models import Connection
from scripts_editor import deploy
from scripts_editor.exceptions import DeployConflict
from scripts_editor.models import ScriptRevision

from . import serializers
from .errors import ApiError
from .views import ERRORS

ETAG_PREFIX = "release."
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description='ETag of your last read of the release, e.g. "release.4": if it moved on, nothing changes (412).',
)
TESTS_FAILED = OpenApiResponse(
    serializers.ErrorSerializer,
    description="`tests_failed`: the connection requires its test cases to pass and some failed "
    "(listed in `trickle_failures`); nothing went live.",
)


def _errors(*codes, tests: bool = False) -> dict:
    found = {code: ERRORS[code] for code in (400, 401, 403, 404, 429, *codes)}
    return found | ({422: TESTS_FAILED} if tests else {})


def _etag(version: int) -> str:
    return f'"{ETAG_PREFIX}{version}"'


def _if_match(request) -> int | None:
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    value = header.strip().removeprefix("W/").strip('"')
    number = value.removeprefix(ETAG_PREFIX)
    if not value.startswith(ETAG_PREFIX) or not number.isdigit() or len(number) > 9:
        raise ApiError('If-Match must be the release ETag of a previous response, like "release.4".', status_code=400)
    return int(number)


def _connection(public_id: str) -> Connection:
    return get_object_or_404(Connection, public_id=public_id)


def _release(connection: Connection, *, status_code: int = status.HTTP_200_OK) -> Response:
    body = deploy.release_state(connection=connection)
    return Response(
        serializers.ReleaseSerializer(body).data, status=status_code, headers={"ETag": _etag(body["version"])}
    )


def _conditional(request, action):
    """Run a deploy or canary action with If-Match; a stale one is 412, a lost race without it 409."""
    expected = _if_match(request)
    try:
        return action(expected)
    except ScriptRevision.DoesNotExist:
        raise ApiError("No such revision.", status_code=404) from None
    except DeployConflict as e:
        if expected is not None:
            raise ApiError(
                f'The release changed since that ETag: it is now "{ETAG_PREFIX}{e.version}" '
                f"(revision {e.live_number} is live); nothing changed.",
                status_code=412,
            ) from e
        raise


class ReleaseView(APIView):
    required_scopes = {"GET": "read:connections", "PATCH": "update:connections"}

    @extend_schema(
        operation_id="release_get",
        summary="Which revision serves logins, the canary, and the release settings",
        responses={200: serializers.ReleaseSerializer, **_errors()},
    )
    def get(self, request, public_id):
        return _release(_connection(public_id))

    @extend_schema(
        operation_id="release_update",
        summary="Change the release settings (required test cases, canary share, margin, minimum calls)",
        request=serializers.ReleasePatchSerializer,
        responses={200: serializers.ReleaseSerializer, **_errors()},
    )
    def patch(self, request, public_id):
        connection = _connection(public_id)
        serializer = serializers.ReleasePatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        deploy.deployment_configure(
            connection=connection, by=request.user, require_tests=data.get("require_tests"), canary=data.get("canary")
        )
        return _release(connection)


class RevisionDeployView(APIView):
    required_scopes = {"POST": "update:connections"}

    @extend_schema(
        operation_id="revisions_deploy",
        summary="Deploy a revision: it serves every login (deploying an older one rolls back)",
        parameters=[IF_MATCH],
        request=None,
        responses={200: serializers.ReleaseSerializer, **_errors(409, 412, tests=True)},
    )
    def post(self, request, public_id, number):
        connection = _connection(public_id)
        _conditional(
            request,
            lambda expected: deploy.revision_deploy(
                connection=connection, number=number, by=request.user, expected_version=expected
            ),
        )
        return _release(connection)


class RevisionCanaryView(APIView):
    required_scopes = {"POST": "update:connections"}

    @extend_schema(
        operation_id="revisions_canary",
        summary="Start a canary: the revision serves a sticky share of end users beside the live one",
        parameters=[IF_MATCH],
        request=serializers.CanaryStartSerializer,
        responses={201: serializers.ReleaseSerializer, **_errors(409, 412, tests=True)},
    )
    def post(self, request, public_id, number):
        connection = _connection(public_id)
        serializer = serializers.CanaryStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _conditional(
            request,
            lambda expected: deploy.canary_start(
                connection=connection,
                number=number,
                by=request.user,
                percent=serializer.validated_data.get("percent"),
                expected_version=expected,
            ),
        )
        return _release(connection, status_code=status.HTTP_201_CREATED)


class CanaryPromoteView(APIView):
    required_scopes = {"POST": "update:connections"}

    @extend_schema(
        operation_id="canary_promote",
        summary="Promote the running canary: its revision serves every login",
        parameters=[IF_MATCH],
        request=None,
        responses={200: serializers.ReleaseSerializer, **_errors(409, 412, tests=True)},
    )
    def post(self, request, public_id):
        connection = _connection(public_id)
        _conditional(
            request,
            lambda expected: deploy.canary_promote(connection=connection, by=request.user, expected_version=expected),
        )
        return _release(connection)


class CanaryStopView(APIView):
    required_scopes = {"POST": "update:connections"}

    @extend_schema(
        operation_id="canary_stop",
        summary="Stop the running canary: every login uses the live revision",
        request=None,
        responses={200: serializers.ReleaseSerializer, **_errors()},
    )
    def post(self, request, public_id):
        connection = _connection(public_id)
        deploy.canary_stop(connection=connection, by=request.user)
        return _release(connection)
