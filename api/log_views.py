"""GET /api/v2/logs and /api/v2/logs/{id}: the tenant's log, shaped and paged like Auth0's."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from identity import selectors
from identity.logs import TYPES, log_public
from identity.models import LogEvent

from .errors import ApiError
from .identity_views import flow_errors

SCOPE = "read:logs"


class LogQuerySerializer(serializers.Serializer):
    type = serializers.CharField(required=False, default="", help_text="Event type codes, comma separated (s,fp).")
    user = serializers.CharField(required=False, default="", help_text="A user_id, or part of an email/username.")
    user_id = serializers.CharField(required=False, default="", help_text="Exactly this user_id.")
    connection = serializers.CharField(required=False, default="", help_text="A connection's name.")
    date_from = serializers.DateTimeField(required=False, default=None, help_text="ISO 8601, inclusive.")
    date_to = serializers.DateTimeField(required=False, default=None, help_text="ISO 8601, inclusive.")
    page = serializers.IntegerField(required=False, default=0, min_value=0, max_value=10**6)
    per_page = serializers.IntegerField(required=False, default=50, min_value=1, max_value=100)
    include_totals = serializers.BooleanField(required=False, default=False)
    # Checkpoint paging, as Auth0's: entries after log_id `from`, oldest first.
    from_ = serializers.CharField(required=False, default="", help_text="A log_id: entries after it, oldest first.")
    take = serializers.IntegerField(required=False, default=50, min_value=1, max_value=100)

    def to_internal_value(self, data):
        data = dict(data)
        if "from" in data:
            data["from_"] = data.pop("from")
        return super().to_internal_value(data)

    def validate_type(self, value: str) -> list[str]:
        types = [t.strip() for t in value.split(",") if t.strip()]
        unknown = sorted(set(types) - set(TYPES))
        if unknown:
            raise serializers.ValidationError(f"Unknown type {', '.join(unknown)}; known: {', '.join(TYPES)}.")
        return types

    def validate_from_(self, value: str) -> int | None:
        if not value:
            return None
        if not value.isdigit():
            raise serializers.ValidationError("A log_id as GET /logs returns it.")
        return int(value)


class LogListView(APIView):
    required_scopes = {"GET": SCOPE}

    @extend_schema(
        operation_id="logs_list",
        summary="Search the log",
        description="Filters combine. Page with `page`/`per_page` (newest first; `include_totals` wraps the list "
        "as {start, limit, length, total, logs}) or with `from`/`take` (entries after a log_id, oldest first: "
        "what an exporter polls). Types: " + ", ".join(f"`{k}` {v}" for k, v in TYPES.items()) + ".",
        parameters=[LogQuerySerializer],
        responses={200: OpenApiResponse(description="Log events, Auth0-shaped."), **flow_errors()},
    )
    def get(self, request):
        query = LogQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        q = query.validated_data
        if q["user"] and q["user_id"]:
            raise ApiError("Give user or user_id, not both.", status_code=400)
        logs = selectors.log_list(
            types=q["type"],
            user=q["user"],
            connection=q["connection"],
            date_from=q["date_from"],
            date_to=q["date_to"],
        )
        if q["user_id"]:
            logs = logs.filter(user_id=q["user_id"])
        if q["from_"] is not None:
            return Response([log_public(e) for e in logs.filter(pk__gt=q["from_"]).order_by("id")[: q["take"]]])
        start = q["page"] * q["per_page"]
        chunk = [log_public(e) for e in logs[start : start + q["per_page"]]]
        if not q["include_totals"]:
            return Response(chunk)
        return Response(
            {"start": start, "limit": q["per_page"], "length": len(chunk), "total": logs.count(), "logs": chunk}
        )


class LogDetailView(APIView):
    required_scopes = {"GET": SCOPE}

    @extend_schema(
        operation_id="logs_get", summary="One log event", responses={200: OpenApiResponse(), **flow_errors()}
    )
    def get(self, request, log_id):
        if not log_id.isdigit():
            raise ApiError("No such log event.", status_code=404)
        return Response(log_public(get_object_or_404(LogEvent.objects.select_related("connection"), pk=int(log_id))))
