"""/api/v2/connections: thin views that authorise by scope, validate, call a service and shape the answer."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from connections_admin import services as connections
from connections_admin.auth0_shape import OPTION_FIELDS, PLAIN_CONFIGURATION_OPTION
from connections_admin.models import Connection
from identity import circuit
from scripts_editor import selectors as script_selectors
from scripts_editor import services as scripts
from scripts_editor.exceptions import ScriptConflict

from . import examples, serializers
from .connection_services import (
    connection_create_from_api,
    connection_patch_from_api,
    current_revision_number,
)
from .errors import ApiError

ERRORS = {
    code: OpenApiResponse(serializers.ErrorSerializer, description=why)
    for code, why in {
        400: "Invalid body or query.",
        401: "Missing, invalid, expired or revoked token.",
        403: "The token lacks the scope (or its user the permission).",
        404: "No such connection.",
        409: "Conflict.",
        412: "If-Match names a revision that is no longer current.",
        429: "Rate limit; see Retry-After.",
    }.items()
}


def _errors(*codes):
    return {code: ERRORS[code] for code in (400, 401, 403, 429, *codes)}


def connection_body(connection: Connection, *, revision=None) -> dict:
    """The Auth0 shape. Secret configuration values are never returned (each maps to a fixed mask); plain
    ones are, and `trickle_plain_configuration` names them."""
    revision = revision or script_selectors.script_revision_current(connection=connection)
    options = {key: getattr(connection, field) for key, field in OPTION_FIELDS.items()}
    options["customScripts"] = {k: v for k, v in revision.scripts.items() if v}
    variables = list(connection.variables.all())
    options["configuration"] = {v.key: v.shown_value for v in variables}
    options[PLAIN_CONFIGURATION_OPTION] = [v.key for v in variables if v.plain]
    options["trickle_circuit_breaker"] = circuit.circuit_overrides(connection=connection)
    options["trickle_circuit"] = circuit.circuit_state(connection=connection)
    return {
        "id": connection.public_id,
        "name": connection.name,
        "display_name": connection.display_name,
        "strategy": connection.strategy,
        "is_domain_connection": False,
        "realms": [connection.name],
        "enabled_clients": [],
        "metadata": {},
        "options": options,
        "trickle_revision": revision.number,
    }


def _query(serializer_class, request) -> dict:
    # Unknown parameters are refused, as Auth0 does, so a misspelt filter never silently lists everything.
    unknown = sorted(set(request.query_params) - set(serializer_class().fields))
    if unknown:
        raise ApiError(f"Unknown query parameters: {', '.join(repr(k) for k in unknown)}.", status_code=400)
    data = request.query_params.dict()
    if "strategy" in request.query_params:
        data["strategy"] = request.query_params.getlist("strategy")
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _select_fields(body: dict, query: dict) -> dict:
    if not query.get("fields"):
        return body
    return {k: v for k, v in body.items() if (k in query["fields"]) == query["include_fields"]}


def _etag(connection: Connection, revision_number: int) -> str:
    """Script revision and settings version: a change to either makes an older If-Match stale."""
    return f'"{revision_number}.{connection.version}"'


def _if_match(request) -> tuple[int, int] | None:
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    revision, dot, version = header.strip().removeprefix("W/").strip('"').partition(".")
    if not (dot and revision.isdigit() and version.isdigit()):
        raise ApiError('If-Match must be an ETag from a previous response, like "3.7".', status_code=400)
    return int(revision), int(version)


_CONNECTION = {"$ref": "#/components/schemas/ConnectionRead"}
LIST_SCHEMA = {
    "oneOf": [
        {"type": "array", "items": _CONNECTION},
        {
            "type": "object",
            "required": ["total", "start", "limit", "connections"],
            "properties": {
                "total": {"type": "integer"},
                "start": {"type": "integer"},
                "limit": {"type": "integer"},
                "connections": {"type": "array", "items": _CONNECTION},
            },
        },
    ]
}


class ConnectionListView(APIView):
    required_scopes = {"GET": "read:connections", "POST": "create:connections"}

    @extend_schema(
        operation_id="connections_list",
        summary="List connections",
        parameters=[serializers.ConnectionListQuerySerializer],
        responses={
            200: OpenApiResponse(
                LIST_SCHEMA,
                description="An array of connections, or with include_totals a {total, start, limit, connections} object.",
            ),
            **_errors(),
        },
    )
    def get(self, request):
        query = _query(serializers.ConnectionListQuerySerializer, request)
        qs = Connection.objects.prefetch_related("variables").order_by("name")
        if "strategy" in query:
            qs = qs.filter(strategy__in=query["strategy"])
        if "name" in query:
            qs = qs.filter(name=query["name"])
        page, per_page = query["page"], query["per_page"]
        total = qs.count()
        chunk = list(qs[page * per_page : (page + 1) * per_page])
        revisions = script_selectors.script_revision_current_for(connections=chunk)
        circuit.circuits_preload(chunk)
        bodies = [_select_fields(connection_body(c, revision=revisions[c.pk]), query) for c in chunk]
        if query["include_totals"]:
            return Response({"total": total, "start": page * per_page, "limit": per_page, "connections": bodies})
        return Response(bodies)

    @extend_schema(
        operation_id="connections_create",
        summary="Create a connection",
        request=serializers.ConnectionWriteSerializer,
        responses={201: serializers.ConnectionReadSerializer, **_errors(409)},
        examples=[examples.CONNECTION_CREATE, examples.CONNECTION_READ],
    )
    def post(self, request):
        serializer = serializers.ConnectionWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        connection, warnings = connection_create_from_api(data=serializer.validated_data, by=request.user)
        body = connection_body(connection) | {"trickle_warnings": warnings}
        return Response(
            body,
            status=status.HTTP_201_CREATED,
            headers={
                "ETag": _etag(connection, body["trickle_revision"]),
                "Location": f"/api/v2/connections/{connection.public_id}",
            },
        )


class ConnectionDetailView(APIView):
    required_scopes = {"GET": "read:connections", "PATCH": "update:connections", "DELETE": "delete:connections"}

    def _connection(self, public_id):
        return get_object_or_404(Connection.objects.prefetch_related("variables"), public_id=public_id)

    @extend_schema(
        operation_id="connections_get",
        summary="Get a connection",
        parameters=[serializers.FieldsQuerySerializer],
        responses={200: serializers.ConnectionReadSerializer, **_errors(404)},
        examples=[examples.CONNECTION_READ],
    )
    def get(self, request, public_id):
        query = _query(serializers.FieldsQuerySerializer, request)
        connection = self._connection(public_id)
        body = connection_body(connection)
        return Response(_select_fields(body, query), headers={"ETag": _etag(connection, body["trickle_revision"])})

    @extend_schema(
        operation_id="connections_update",
        summary="Update a connection",
        description="`options` is replaced as a whole (as in Auth0), except `options.configuration`: absent "
        "keys are unchanged, null removes a key, a string sets it. Send `If-Match` with the ETag of "
        "your last read to refuse the change (412) when someone saved scripts since.",
        parameters=[
            OpenApiParameter(
                "If-Match",
                {"type": "string", "pattern": r'^(W/)?"?\d+\.\d+"?$'},
                OpenApiParameter.HEADER,
                description='ETag of your last read, e.g. "3.7".',
            )
        ],
        request=serializers.ConnectionPatchSerializer,
        responses={200: serializers.ConnectionReadSerializer, **_errors(404, 409, 412)},
        examples=[examples.CONNECTION_UPDATE, examples.CONNECTION_READ],
    )
    def patch(self, request, public_id):
        connection = self._connection(public_id)
        serializer = serializers.ConnectionPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            connection, warnings = connection_patch_from_api(
                connection=connection, data=serializer.validated_data, if_match=_if_match(request), by=request.user
            )
        except ScriptConflict as e:  # someone saved between our read of the base and the insert
            raise ApiError(str(e), status_code=412) from e
        connection = Connection.objects.prefetch_related("variables").get(pk=connection.pk)
        body = connection_body(connection) | {"trickle_warnings": warnings}
        return Response(body, headers={"ETag": _etag(connection, body["trickle_revision"])})

    @extend_schema(
        operation_id="connections_delete", summary="Delete a connection", responses={204: None, **_errors(404)}
    )
    def delete(self, request, public_id):
        connections.connection_delete(connection=self._connection(public_id), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _revision_body(revision, *, with_scripts: bool, live_number: int) -> dict:
    body = {
        "number": revision.number,
        "author": revision.author_label,
        "message": revision.message,
        "created_at": revision.created_at,
        "restored_from": revision.restored_from,
        "is_draft": revision.is_draft,
        "live": revision.number == live_number,
    }
    if with_scripts:
        body["customScripts"] = revision.scripts
    return serializers.RevisionSerializer(body).data


class RevisionListView(APIView):
    required_scopes = {"GET": "read:connections"}

    @extend_schema(
        operation_id="revisions_list",
        summary="List script revisions, newest first",
        responses={200: serializers.RevisionSerializer(many=True), **_errors(404)},
    )
    def get(self, request, public_id):
        connection = get_object_or_404(Connection, public_id=public_id)
        live = script_selectors.script_revision_live_number(connection=connection)
        return Response(
            [
                _revision_body(r, with_scripts=False, live_number=live)
                for r in script_selectors.script_revision_list(connection=connection)
            ]
        )


class RevisionDetailView(APIView):
    required_scopes = {"GET": "read:connections"}

    @extend_schema(
        operation_id="revisions_get",
        summary="Get one revision with its scripts",
        responses={200: serializers.RevisionSerializer, **_errors(404)},
    )
    def get(self, request, public_id, number):
        connection = get_object_or_404(Connection, public_id=public_id)
        revision = get_object_or_404(script_selectors.script_revision_list(connection=connection), number=number)
        live = script_selectors.script_revision_live_number(connection=connection)
        return Response(_revision_body(revision, with_scripts=True, live_number=live))


class RevisionRestoreView(APIView):
    required_scopes = {"POST": "update:connections"}

    @extend_schema(
        operation_id="revisions_restore",
        summary="Restore a revision (saves it as a new revision)",
        request=None,
        responses={201: serializers.RevisionSerializer, **_errors(404, 409)},
    )
    def post(self, request, public_id, number):
        connection = get_object_or_404(Connection, public_id=public_id)
        get_object_or_404(script_selectors.script_revision_list(connection=connection), number=number)
        try:
            restored = scripts.scripts_restore(
                connection=connection, number=number, base_number=current_revision_number(connection), by=request.user
            )
        except ScriptConflict as e:
            raise ApiError(str(e), status_code=409) from e
        return Response(
            _revision_body(
                restored,
                with_scripts=True,
                live_number=script_selectors.script_revision_live_number(connection=connection),
            ),
            status=status.HTTP_201_CREATED,
            headers={"ETag": _etag(connection, restored.number)},
        )
