"""Hostile or oversized bodies get the Auth0 error envelope, never a 500 or Django's HTML page, and a PATCH
carrying all seven scripts at their size limit fits."""

import json

import pytest
from django.conf import settings

from api.parsers import MAX_DEPTH
from scriptd_client import limits
from scripts_editor.scripts import SCRIPTS

pytestmark = pytest.mark.django_db


def _envelope(response, status):
    assert response.status_code == status and response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"statusCode", "error", "message", "errorCode"} and body["statusCode"] == status
    return body


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 100_000])
def test_deeply_nested_json_is_a_400(api_for, editor, connection, depth):
    client = api_for(editor)
    deep = "[" * depth + "]" * depth
    for method, path in (("post", "/api/v2/connections"), ("patch", f"/api/v2/connections/{connection.public_id}")):
        response = getattr(client, method)(path, deep, content_type="application/json")
        body = _envelope(response, 400)
        assert body["errorCode"] == "invalid_body" and "levels deep" in body["message"]
    nested_metadata = {"username": "a@b.c", "password": "x"} | {"extra": json.loads("[" * 70 + "]" * 70)}
    response = client.post(f"/api/v2/connections/{connection.public_id}/authenticate", nested_metadata, format="json")
    _envelope(response, 400)


def test_a_body_over_the_limit_is_a_413_in_the_envelope(api_for, editor):
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    body = json.dumps({"name": "big", "display_name": "x" * size})
    response = api_for(editor).post("/api/v2/connections", body, content_type="application/json")
    result = _envelope(response, 413)
    assert result["errorCode"] == "payload_too_large" and "MB" in result["message"]


def test_a_patch_with_all_seven_scripts_at_their_limit_fits(api_for, editor, connection):
    def body_of(spec):
        head = f"function {spec.function_names[0]}() {{}}\n//"
        return head + "x" * (limits.SOURCE_MAX_BYTES - len(head))

    scripts = {spec.key: body_of(spec) for spec in SCRIPTS}
    payload = json.dumps({"options": {"enabledDatabaseCustomization": True, "customScripts": scripts}})
    assert len(payload) > 2_500_000  # Django's default limit refused this with an HTML page

    response = api_for(editor).patch(
        f"/api/v2/connections/{connection.public_id}", payload, content_type="application/json"
    )

    assert response.status_code == 200, response.content[:300]
    assert response.json()["options"]["customScripts"]["login"] == scripts["login"]
