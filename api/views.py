"""/api/v2/connections: thin views that authorise by scope, validate, call a service and shape the answer."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from connections_admin import services as connections
from connections_admin.crypto import MASK
from connections_admin.models import Connection
from scripts_editor import selectors as script_selectors
from scripts_editor import services as scripts
from scripts_editor.exceptions import ScriptConflict

from . import serializers
from .connection_services import (
    OPTION_FIELDS,
    connection_create_from_api,
    connection_patch_from_api,
    current_revision_number,
)
from .errors import ApiError

ERRORS = {code: OpenApiResponse(serializers.ErrorSerializer, description=why) for code, why in {
    400: "Invalid body or query.", 401: "Missing, invalid, expired or revoked token.",
    403: "The token lacks the scope (or its user the permission).", 404: "No such connection.",
    409: "Conflict.", 412: "If-Match names a revision that is no longer current.", 429: "Rate limit; see Retry-After.",
}.items()}


def _errors(*codes):
    return {code: ERRORS[code] for code in (400, 401, 403, 429, *codes)}


def connection_body(connection: Connection, *, revision=None) -> dict:
    """The Auth0 shape. Configuration values are never returned: each key maps to a fixed mask."""
    revision = revision or script_selectors.script_revision_current(connection=connection)
    options = {key: getattr(connection, field) for key, field in OPTION_FIELDS.items()}
    options["customScripts"] = {k: v for k, v in revision.scripts.items() if v}
    options["configuration"] = {v.key: MASK for v in connection.variables.all()}
    return {
        "id": connection.public_id, "name": connection.name, "display_name": connection.display_name,
        "strategy": connection.strategy, "is_domain_connection": False, "realms": [connection.name],
        "enabled_clients": [], "metadata": {}, "options": options,
        "trickle_revision": revision.number,
    }


def _select_fields(body: dict, request) -> dict:
    fields = [f for f in request.query_params.get("fields", "").split(",") if f]
    if not fields:
        return body
    include = request.query_params.get("include_fields", "true").lower() != "false"
    return {k: v for k, v in body.items() if (k in fields) == include}


def _etag(number: int) -> str:
    return f'"{number}"'


def _if_match(request) -> int | None:
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    try:
        return int(header.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise ApiError("If-Match must be an ETag from a previous response, like \"3\".", status_code=400) from None


def _int_param(request, name: str, default: int, *, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(f"{name} must be a whole number from {low} to {high}.", status_code=400)
    return int(raw)


FIELD_PARAMS = [
    OpenApiParameter("fields", str, description="Comma separated fields to include (or exclude)."),
    OpenApiParameter("include_fields", bool, description="true (default): only `fields`; false: all but `fields`."),
]


class ConnectionListView(APIView):
    required_scopes = {"GET": "read:connections", "POST": "create:connections"}

    @extend_schema(
        operation_id="connections_list", summary="List connections",
        parameters=[
            OpenApiParameter("strategy", str, many=True, description="Only this strategy (always auth0 here)."),
            OpenApiParameter("name", str, description="Exact connection name."),
            OpenApiParameter("page", int, description="Page index, from 0."),
            OpenApiParameter("per_page", int, description="Page size, 1 to 100 (default 50)."),
            OpenApiParameter("include_totals", bool, description="Wrap the page in {total, start, limit, connections}."),
            *FIELD_PARAMS,
        ],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description=(
            "An array of connections, or with include_totals a {total, start, limit, connections} object.")),
            **_errors()},
    )
    def get(self, request):
        qs = Connection.objects.prefetch_related("variables").order_by("name")
        if strategies := request.query_params.getlist("strategy"):
            qs = qs.filter(strategy__in=strategies)
        if name := request.query_params.get("name"):
            qs = qs.filter(name=name)
        per_page = _int_param(request, "per_page", 50, low=1, high=100)
        page = _int_param(request, "page", 0, low=0, high=10**6)
        total = qs.count()
        chunk = list(qs[page * per_page:(page + 1) * per_page])
        revisions = script_selectors.script_revision_current_for(connections=chunk)
        bodies = [_select_fields(connection_body(c, revision=revisions.get(c.pk)), request) for c in chunk]
        if request.query_params.get("include_totals", "").lower() == "true":
            return Response({"total": total, "start": page * per_page, "limit": per_page, "connections": bodies})
        return Response(bodies)

    @extend_schema(operation_id="connections_create", summary="Create a connection",
                   request=serializers.ConnectionWriteSerializer,
                   responses={201: serializers.ConnectionReadSerializer, **_errors(409)})
    def post(self, request):
        serializer = serializers.ConnectionWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        connection = connection_create_from_api(data=serializer.validated_data, by=request.user)
        body = connection_body(connection)
        return Response(body, status=status.HTTP_201_CREATED, headers={
            "ETag": _etag(body["trickle_revision"]), "Location": f"/api/v2/connections/{connection.public_id}"})


class ConnectionDetailView(APIView):
    required_scopes = {"GET": "read:connections", "PATCH": "update:connections", "DELETE": "delete:connections"}

    def _connection(self, public_id):
        return get_object_or_404(Connection.objects.prefetch_related("variables"), public_id=public_id)

    @extend_schema(operation_id="connections_get", summary="Get a connection", parameters=FIELD_PARAMS,
                   responses={200: serializers.ConnectionReadSerializer, **_errors(404)})
    def get(self, request, public_id):
        body = connection_body(self._connection(public_id))
        return Response(_select_fields(body, request), headers={"ETag": _etag(body["trickle_revision"])})

    @extend_schema(
        operation_id="connections_update", summary="Update a connection",
        description="`options` is replaced as a whole (as in Auth0), except `options.configuration`: absent "
                    "keys are unchanged, null removes a key, a string sets it. Send `If-Match` with the ETag of "
                    "your last read to refuse the change (412) when someone saved scripts since.",
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, description='ETag, e.g. "3".')],
        request=serializers.ConnectionPatchSerializer,
        responses={200: serializers.ConnectionReadSerializer, **_errors(404, 409, 412)},
    )
    def patch(self, request, public_id):
        connection = self._connection(public_id)
        serializer = serializers.ConnectionPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            connection = connection_patch_from_api(connection=connection, data=serializer.validated_data,
                                                   if_match=_if_match(request), by=request.user)
        except ScriptConflict as e:  # someone saved between our read of the base and the insert
            raise ApiError(str(e), status_code=412) from e
        body = connection_body(Connection.objects.prefetch_related("variables").get(pk=connection.pk))
        return Response(body, headers={"ETag": _etag(body["trickle_revision"])})

    @extend_schema(operation_id="connections_delete", summary="Delete a connection",
                   responses={204: None, **_errors(404)})
    def delete(self, request, public_id):
        connections.connection_delete(connection=self._connection(public_id), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _revision_body(revision, *, with_scripts: bool) -> dict:
    body = {"number": revision.number, "author": revision.author_label, "message": revision.message,
            "created_at": revision.created_at, "restored_from": revision.restored_from}
    if with_scripts:
        body["customScripts"] = revision.scripts
    return serializers.RevisionSerializer(body).data


class RevisionListView(APIView):
    required_scopes = {"GET": "read:connections"}

    @extend_schema(operation_id="revisions_list", summary="List script revisions, newest first",
                   responses={200: serializers.RevisionSerializer(many=True), **_errors(404)})
    def get(self, request, public_id):
        connection = get_object_or_404(Connection, public_id=public_id)
        return Response([_revision_body(r, with_scripts=False)
                         for r in script_selectors.script_revision_list(connection=connection)])


class RevisionDetailView(APIView):
    required_scopes = {"GET": "read:connections"}

    @extend_schema(operation_id="revisions_get", summary="Get one revision with its scripts",
                   responses={200: serializers.RevisionSerializer, **_errors(404)})
    def get(self, request, public_id, number):
        connection = get_object_or_404(Connection, public_id=public_id)
        revision = get_object_or_404(script_selectors.script_revision_list(connection=connection), number=number)
        return Response(_revision_body(revision, with_scripts=True))


class RevisionRestoreView(APIView):
    required_scopes = {"POST": "update:connections"}

    @extend_schema(operation_id="revisions_restore", summary="Restore a revision (saves it as a new revision)",
                   request=None, responses={201: serializers.RevisionSerializer, **_errors(404, 409)})
    def post(self, request, public_id, number):
        connection = get_object_or_404(Connection, public_id=public_id)
        get_object_or_404(script_selectors.script_revision_list(connection=connection), number=number)
        try:
            restored = scripts.scripts_restore(connection=connection, number=number,
                                               base_number=current_revision_number(connection), by=request.user)
        except ScriptConflict as e:
            raise ApiError(str(e), status_code=409) from e
        return Response(_revision_body(restored, with_scripts=True), status=status.HTTP_201_CREATED,
                        headers={"ETag": _etag(restored.number)})
