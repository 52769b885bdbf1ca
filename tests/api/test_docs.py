"""/api/docs/ works as a reference one can try: a declared bearer scheme (Swagger's Authorize), a page with a
language, and request/response examples on the main operations that the API really accepts and answers."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from api import examples


def test_the_schema_declares_the_bearer_scheme_every_operation_uses(superuser_client):
    schema = superuser_client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        **schema["components"]["securitySchemes"]["bearerAuth"],
        "type": "http",
        "scheme": "bearer",
    }
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert operations and all("bearerAuth" in op["security"][0] for op in operations)


def test_the_main_operations_carry_examples(superuser_client):
    schema = superuser_client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()
    ops = {op["operationId"]: op for path in schema["paths"].values() for op in path.values()}
    for name in ["connections_create", "connections_update", "script_runs_create"]:
        assert ops[name]["requestBody"]["content"]["application/json"]["examples"], name
    assert ops["connections_get"]["responses"]["200"]["content"]["application/json"]["examples"]


def test_the_create_example_is_accepted_and_the_read_example_has_the_real_shape(api_for, superuser):
    client = api_for(superuser, "create:connections", "update:connections")
    created = client.post("/api/v2/connections", examples.CONNECTION_CREATE.value, format="json")
    assert created.status_code == 201, created.json()
    assert set(examples.CONNECTION_READ.value) <= set(created.json())
    assert set(examples.CONNECTION_READ.value["options"]) <= set(created.json()["options"])
    assert created.json()["options"]["configuration"] == {"API_URL": "••••••••", "API_TOKEN": "••••••••"}
    patched = client.patch(
        f"/api/v2/connections/{created.json()['id']}", examples.CONNECTION_UPDATE.value, format="json"
    )
    assert patched.status_code == 200, patched.json()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_has_a_language_and_an_authorize_button(page_for, superuser):
    page = page_for(superuser)
    page.goto(reverse("api-docs"))
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("button.authorize")).to_be_visible(timeout=15_000)
