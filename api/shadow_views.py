"""Shadow runs of a draft revision over the API (identity.shadow): start, read, stop.

Every outcome read here was masked when it was stored: no password or secret configuration value. Outcomes and
the draft's console are script output: readers who may not change the connection get kinds and fields only."""

from datetime import timedelta

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from connections_admin.models import Connection
from connections_admin.permissions import can_change
from identity import shadow
from identity.models import SHADOW_SAFE_SCRIPTS, ShadowSession
from scripts_editor.scripts import SCRIPT_KEYS

from .errors import ApiError
from .views import _errors


class ShadowStartSerializer(serializers.Serializer):
    scripts = serializers.ListField(
        child=serializers.ChoiceField(choices=SCRIPT_KEYS),
        required=False,
        default=list(SHADOW_SAFE_SCRIPTS),
        help_text="The scripts whose real calls are repeated with the draft; default login, get_user, verify.",
    )
    allow_writes = serializers.ListField(
        child=serializers.ChoiceField(choices=SCRIPT_KEYS),
        required=False,
        default=list,
        help_text="create, change_password, delete or change_email, named again here to shadow them: the draft "
        "then writes to the legacy store a second time.",
    )
    max_calls = serializers.IntegerField(min_value=1, max_value=shadow.MAX_CALLS_LIMIT, required=False)
    duration_minutes = serializers.IntegerField(min_value=1, max_value=7 * 24 * 60, required=False)


class ShadowComparisonSerializer(serializers.Serializer):
    script = serializers.CharField()
    live = serializers.DictField()
    draft = serializers.DictField()
    differing_fields = serializers.ListField(
        child=serializers.CharField(), help_text='"kind", or the fields that differ.'
    )
    arguments = serializers.ListField()
    draft_logs = serializers.ListField()
    created_at = serializers.DateTimeField()


class ShadowSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    revision = serializers.IntegerField()
    status = serializers.CharField()
    scripts = serializers.ListField(child=serializers.CharField())
    max_calls = serializers.IntegerField()
    ends_at = serializers.DateTimeField()
    calls = serializers.IntegerField()
    compared = serializers.IntegerField()
    agreed = serializers.IntegerField()
    agreement_rate = serializers.FloatField(allow_null=True, help_text="Percent of the compared calls.")
    started_by = serializers.CharField()
    started_at = serializers.DateTimeField()
    stopped_at = serializers.DateTimeField(allow_null=True)
    differing = ShadowComparisonSerializer(many=True, help_text="The newest differing cases, masked.")


def _body(session: ShadowSession, *, full: bool) -> dict:
    return {
        "id": session.pk,
        "revision": session.revision.number,
        "status": session.status,
        "scripts": session.scripts,
        "max_calls": session.max_calls,
        "ends_at": session.ends_at,
        "calls": session.calls,
        "compared": session.comparisons_done,
        "agreed": session.agreed,
        "agreement_rate": session.agreement_rate,
        "started_by": session.started_by_label,
        "started_at": session.started_at,
        "stopped_at": session.stopped_at,
        "differing": [
            shadow.shadow_difference_show(comparison=c, full=full) for c in shadow.shadow_differences(session=session)
        ],
    }


class ShadowView(APIView):
    required_scopes = {"GET": "read:connections", "POST": "update:connections", "DELETE": "update:connections"}

    def _revision(self, public_id, number):
        connection = get_object_or_404(Connection, public_id=public_id)
        get_object_or_404(connection.script_revisions, number=number)
        return connection

    @extend_schema(
        operation_id="revision_shadow_list",
        summary="A revision's shadow runs, newest first, with the agreement rate and the differing cases",
        responses={200: ShadowSessionSerializer(many=True), **_errors(404)},
    )
    def get(self, request, public_id, number):
        connection = self._revision(public_id, number)
        return Response(
            [
                _body(s, full=can_change(request.user))
                for s in shadow.shadow_session_list(connection=connection, number=number)
            ]
        )

    @extend_schema(
        operation_id="revision_shadow_start",
        summary="Run a draft revision in shadow beside the live one",
        request=ShadowStartSerializer,
        responses={201: ShadowSessionSerializer, **_errors(400, 404, 409)},
    )
    def post(self, request, public_id, number):
        connection = self._revision(public_id, number)
        serializer = ShadowStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        minutes = data.get("duration_minutes", settings.SHADOW_DEFAULT_HOURS * 60)
        try:
            session = shadow.shadow_session_start(
                connection=connection,
                number=number,
                by=request.user,
                scripts=data["scripts"],
                allow_writes=data["allow_writes"],
                max_calls=data.get("max_calls"),
                duration=timedelta(minutes=minutes),
            )
        except shadow.ShadowConflict:
            raise ApiError("A shadow run is already running on this connection; stop it first.", status_code=409)
        session = shadow.shadow_session_list(connection=connection).get(pk=session.pk)
        return Response(_body(session, full=True), status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="revision_shadow_stop",
        summary="Stop the revision's running shadow run",
        request=None,
        responses={200: ShadowSessionSerializer, **_errors(404)},
    )
    def delete(self, request, public_id, number):
        connection = self._revision(public_id, number)
        sessions = shadow.shadow_session_list(connection=connection, number=number)
        session = get_object_or_404(sessions, status=ShadowSession.Status.RUNNING)
        shadow.shadow_session_stop(session=session, by=request.user)
        return Response(_body(sessions.get(pk=session.pk), full=True))
