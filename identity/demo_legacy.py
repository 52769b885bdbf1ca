"""The demo legacy user store that `make run` sets up: a small REST API under /demo-legacy/, shaped as the
REST API script template expects, protected by the demo connection's API_TOKEN, with bcrypt hashes as a
legacy database holds them. The demo connection's scripts reach it through scriptd's HTTP bridge."""

import hmac
import json

import bcrypt
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from connections_admin.models import Connection
from connections_admin.selectors import configuration_for_run

from .models import DemoLegacyUser

DEMO_NAME = "demo-legacy"
# Readable on purpose: they are printed by setup_demo and only ever exist in this local demo store.
DEMO_USERS = (
    ("ada@demo.test", "ada", "ada-legacy-pass", True),
    ("grace@demo.test", "grace", "grace-legacy-pass", False),
    ("linus@demo.test", "linus", "linus-legacy-pass", False),
)


def demo_legacy_users_seed() -> list[tuple[str, str]]:
    """Create the demo users that are missing (cost-10 bcrypt hashes made now); returns (email, password)."""
    created = []
    for email, nickname, password, verified in DEMO_USERS:
        if not DemoLegacyUser.objects.filter(email=email).exists():
            DemoLegacyUser.objects.create(
                email=email,
                nickname=nickname,
                email_verified=verified,
                password_hash=bcrypt.hashpw(password.encode(), bcrypt.gensalt(10)).decode(),
            )
            created.append((email, password))
    return created


def _authorised(request) -> bool:
    connection = Connection.objects.filter(name=DEMO_NAME).first()
    token = configuration_for_run(connection=connection).get("API_TOKEN") if connection else None
    return bool(token) and hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}")


def _body(user: DemoLegacyUser) -> dict:
    return {
        "id": user.pk,
        "email": user.email,
        "nickname": user.nickname,
        "email_verified": user.email_verified,
        "password_hash": user.password_hash,
    }


def _json(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _problem(status: int, message: str) -> JsonResponse:
    return JsonResponse({"message": message}, status=status)


@csrf_exempt  # a bearer-token API called by scripts, never by a browser with cookies
@require_http_methods(["GET", "POST", "PATCH"])
def users(request):
    if not _authorised(request):
        return _problem(401, "A valid bearer token is required.")
    if request.method == "POST":
        data = _json(request)
        if not isinstance(data.get("email"), str) or not isinstance(data.get("password_hash"), str):
            return _problem(400, "email and password_hash are required.")
        try:
            with transaction.atomic():
                user = DemoLegacyUser.objects.create(
                    email=data["email"], password_hash=data["password_hash"], nickname=str(data.get("nickname") or "")
                )
        except IntegrityError:
            return _problem(409, "A user with this email already exists.")
        return JsonResponse(_body(user), status=201)
    user = DemoLegacyUser.objects.filter(email__iexact=request.GET.get("email", "")).first()
    if user is None:
        return _problem(404, "No such user.")
    if request.method == "PATCH":
        data = _json(request)
        for field in ("email", "password_hash", "email_verified"):
            if field in data:
                setattr(user, field, data[field])
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            return _problem(409, "A user with this email already exists.")
    return JsonResponse(_body(user))


@csrf_exempt
@require_http_methods(["DELETE"])
def user_detail(request, pk):
    if not _authorised(request):
        return _problem(401, "A valid bearer token is required.")
    deleted, _ = DemoLegacyUser.objects.filter(pk=pk).delete()
    return HttpResponse(status=204) if deleted else _problem(404, "No such user.")
