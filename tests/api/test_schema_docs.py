"""The published schema documents each identity flow on its own (one operation per view, declared with
@extend_schema_view rather than a `post` override), with its request body and the errors it can answer."""

import pytest
from drf_spectacular.generators import SchemaGenerator

FLOWS = {
    "authenticate": ("users_authenticate", "200", "wrong_username_or_password"),
    "signup": ("users_signup", "201", "user_exists"),
    "change-password": ("users_change_password", "200", "user_not_found"),
    "verify": ("users_verify", "200", "user_not_found"),
    "change-email": ("users_change_email", "200", "user_exists"),
}


@pytest.fixture(scope="module")
def paths():
    return SchemaGenerator().get_schema(request=None, public=True)["paths"]


@pytest.mark.parametrize("flow", FLOWS)
def test_each_flow_is_its_own_documented_operation(paths, flow):
    operation_id, success, reason = FLOWS[flow]
    operation = paths[f"/api/v2/connections/{{public_id}}/{flow}"]["post"]
    assert operation["operationId"] == operation_id
    assert operation["requestBody"]["required"] is True
    assert success in operation["responses"]
    documented_errors = " ".join(r["description"] for code, r in operation["responses"].items() if code >= "400")
    assert f"`{reason}`" in documented_errors
    assert "`script_timeout`" in documented_errors
