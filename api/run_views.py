"""Script runs over the API: start one (202 + Location), read it with its log lines, list a connection's runs.

Log lines, result and error go only to tokens whose user may change connections (scripts_editor.runs.selectors
says why); others get state, timing and the explanation, with `output_hidden` saying so."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from connections_admin.models import Connection
from connections_admin.permissions import can_change
from scripts_editor.models import ScriptRun
from scripts_editor.runs.selectors import (
    OUTPUT_HIDDEN,
    script_run_explanation,
    script_run_list,
    script_run_snapshot,
)
from scripts_editor.runs.services import script_run_request

from . import examples, run_serializers
from .views import _errors


def _summary(run: ScriptRun, *, full: bool) -> dict:
    explanation = script_run_explanation(run=run, full=full)
    return {
        "id": run.id,
        "connection_id": run.connection.public_id,
        "script": run.script,
        "status": run.status,
        "arguments": run.arguments,
        "revision": run.revision.number if run.revision else None,
        "requested_by": run.requested_by_label,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "duration_ms": run.duration_ms,
        "timeout_s": run.timeout_s,
        "result": run.result if full else None,
        "error": run.error if full else None,
        "output_hidden": None if full else OUTPUT_HIDDEN,
        "explanation": explanation.as_json() if explanation else None,
    }


def _location(run: ScriptRun) -> str:
    return f"/api/v2/script-runs/{run.id}"


class ScriptRunListView(APIView):
    required_scopes = {"GET": "read:script_runs", "POST": "run:scripts"}

    @extend_schema(
        operation_id="script_runs_list",
        summary="List a connection's script runs, newest first (100)",
        responses={200: run_serializers.ScriptRunSummarySerializer(many=True), **_errors(404)},
    )
    def get(self, request, public_id):
        connection = get_object_or_404(Connection, public_id=public_id)
        runs = script_run_list(connection=connection).select_related("connection")
        full = can_change(request.user)
        return Response(
            run_serializers.ScriptRunSummarySerializer([_summary(r, full=full) for r in runs], many=True).data
        )

    @extend_schema(
        operation_id="script_runs_create",
        summary="Try a script: queue a run (202; poll the Location)",
        request=run_serializers.ScriptRunCreateSerializer,
        examples=[examples.SCRIPT_RUN_CREATE, examples.SCRIPT_RUN_QUEUED],
        responses={
            202: OpenApiResponse(
                run_serializers.ScriptRunSummarySerializer, description="Queued; Location names the run."
            ),
            **_errors(404),
        },
    )
    def post(self, request, public_id):
        connection = get_object_or_404(Connection, public_id=public_id)
        serializer = run_serializers.ScriptRunCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        run = script_run_request(
            connection=connection, script=data["script"], args=data["args"], source=data.get("code"), by=request.user
        )
        return Response(
            run_serializers.ScriptRunSummarySerializer(_summary(run, full=True)).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": _location(run)},
        )


class ScriptRunDetailView(APIView):
    required_scopes = {"GET": "read:script_runs"}

    @extend_schema(
        operation_id="script_runs_get",
        summary="Get a run: status, result or error, log lines",
        parameters=[run_serializers.ScriptRunQuerySerializer],
        responses={200: run_serializers.ScriptRunSerializer, **_errors(404)},
    )
    def get(self, request, run_id):
        query = run_serializers.ScriptRunQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        run = get_object_or_404(ScriptRun.objects.select_related("connection", "revision"), pk=run_id)
        full = can_change(request.user)
        snapshot = script_run_snapshot(run=run, after=query.validated_data["after"], full=full)
        body = {
            **_summary(run, full=full),
            "done": snapshot["done"],
            "after": snapshot["after"],
            "lines": snapshot["lines"],
        }
        return Response(run_serializers.ScriptRunSerializer(body).data)
