import threading

import pytest
from django.db import connection as db_connection
from rest_framework.test import APIClient

from connections_admin import selectors as connection_selectors
from connections_admin import services
from connections_admin.models import Connection
from scripts_editor.models import ScriptRevision
from scripts_editor.selectors import script_bodies_current

LOGIN = (
    "function login(email, password, callback) {\n  callback(null, { user_id: 'legacy|' + email, email: email });\n}\n"
)
GET_USER = "function getUser(email, callback) {\n  callback(null);\n}\n"
SECRET = "s3cr3t-db-passw0rd"


@pytest.fixture
def api(editor, api_for):
    return api_for(editor)


def _create(api, name="legacy-db", **options):
    return api.post("/api/v2/connections", {"name": name, "strategy": "auth0", "options": options}, format="json")


def test_creating_returns_auth0s_shape_with_masked_configuration(api):
    response = _create(
        api,
        enabledDatabaseCustomization=True,
        import_mode=True,
        customScripts={"login": LOGIN, "get_user": GET_USER},
        configuration={"DB_PASS": SECRET},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id"].startswith("con_") and response["Location"] == f"/api/v2/connections/{body['id']}"
    assert body["strategy"] == "auth0" and body["realms"] == ["legacy-db"]
    options = body["options"]
    assert options["enabledDatabaseCustomization"] is True and options["import_mode"] is True
    assert options["customScripts"] == {"login": LOGIN, "get_user": GET_USER}
    assert options["configuration"] == {"DB_PASS": "••••••••"}
    assert SECRET not in response.content.decode()
    assert response["ETag"] == '"1.1"' and body["trickle_revision"] == 1
    connection = Connection.objects.get(public_id=body["id"])
    assert connection_selectors.configuration_for_run(connection=connection) == {"DB_PASS": SECRET}


def test_an_unknown_script_key_is_a_400_naming_it(api):
    response = _create(api, customScripts={"login": LOGIN, "change_username": "x"})
    assert response.status_code == 400
    body = response.json()
    assert body == {"statusCode": 400, "error": "Bad Request", "errorCode": "invalid_body", "message": body["message"]}
    assert "change_username" in body["message"]
    assert not Connection.objects.exists()


def test_a_syntax_error_is_a_400_and_nothing_is_created(api):
    response = _create(api, customScripts={"login": "function login(a, b, callback) {"})
    assert response.status_code == 400 and response.json()["errorCode"] == "invalid_script"
    assert "login" in response.json()["message"]
    assert not Connection.objects.exists()


def test_a_connection_created_through_the_api_starts_with_the_configured_limit(settings, api):
    settings.SCRIPT_TIMEOUT_S = 7  # TRICKLE_SCRIPT_TIMEOUT_S
    response = _create(api, name="api-db")
    assert response.status_code == 201, response.json()
    assert response.json()["options"]["trickle_script_timeout_s"] == 7
    assert Connection.objects.get(name="api-db").script_timeout_s == 7


def test_a_bad_name_is_400_and_a_taken_name_is_409(api):
    assert _create(api, name="bad--name").status_code == 400
    assert _create(api).status_code == 201
    response = _create(api, name="LEGACY-db")
    assert response.status_code == 409 and response.json()["error"] == "Conflict"


def test_listing_filters_selects_fields_and_pages_with_totals(api):
    for name in ["a-db", "b-db", "c-db"]:
        assert _create(api, name=name).status_code == 201
    assert [c["name"] for c in api.get("/api/v2/connections").json()] == ["a-db", "b-db", "c-db"]
    assert [c["name"] for c in api.get("/api/v2/connections?name=b-db").json()] == ["b-db"]
    assert api.get("/api/v2/connections?strategy=waad").json() == []
    assert api.get("/api/v2/connections?fields=id,name").json()[0].keys() == {"id", "name"}
    assert "options" not in api.get("/api/v2/connections?fields=options&include_fields=false").json()[0]
    page = api.get("/api/v2/connections?page=1&per_page=2&include_totals=true").json()
    assert (page["total"], page["start"], page["limit"]) == (3, 2, 2)
    assert [c["name"] for c in page["connections"]] == ["c-db"]
    assert api.get("/api/v2/connections?per_page=1000").status_code == 400


def test_listing_pins_its_query_count(api, django_assert_max_num_queries):
    for i in range(6):
        _create(api, name=f"db{i}", customScripts={"login": LOGIN}, configuration={"K": "v"})
    with django_assert_max_num_queries(8):
        assert len(api.get("/api/v2/connections").json()) == 6


def test_patch_replaces_options_but_keeps_configuration_it_does_not_name(api):
    created = _create(
        api,
        enabledDatabaseCustomization=True,
        customScripts={"login": LOGIN},
        configuration={"DB_PASS": SECRET, "OLD": "x"},
    ).json()
    url = f"/api/v2/connections/{created['id']}"
    # A read-modify-write cycle sends the masks back: they must never overwrite the secrets.
    body = api.get(url).json()
    body["options"]["import_mode"] = True
    body["options"]["configuration"] = {"OLD": None, "NEW": "fresh"}
    response = api.patch(url, {"options": body["options"]}, format="json")
    assert response.status_code == 200, response.json()
    connection = Connection.objects.get(public_id=created["id"])
    assert connection_selectors.configuration_for_run(connection=connection) == {"DB_PASS": SECRET, "NEW": "fresh"}
    assert connection.import_users is True and connection.use_own_database is True
    assert response.json()["options"]["customScripts"] == {"login": LOGIN}
    # options are replaced as a whole: left out, a flag goes back to its default
    api.patch(url, {"options": {"customScripts": {"login": LOGIN}}}, format="json")
    connection.refresh_from_db()
    assert connection.use_own_database is False and connection.import_users is False


def test_patch_saves_scripts_as_one_new_revision_through_the_editors_service(api, editor):
    created = _create(api, customScripts={"login": LOGIN}).json()
    url = f"/api/v2/connections/{created['id']}"
    response = api.patch(
        url,
        {"options": {"customScripts": {"login": LOGIN, "get_user": GET_USER}}},
        format="json",
        HTTP_IF_MATCH='"1.1"',
    )
    assert response.status_code == 200 and response["ETag"] == '"2.1"'
    revision = ScriptRevision.objects.get(number=2)
    assert revision.author == editor and revision.bodies["get_user"] == GET_USER
    # unchanged scripts store no new revision
    api.patch(url, {"options": {"customScripts": {"login": LOGIN, "get_user": GET_USER}}}, format="json")
    assert ScriptRevision.objects.count() == 2


def test_a_stale_if_match_is_412_and_changes_nothing(api):
    created = _create(api, customScripts={"login": LOGIN}).json()
    url = f"/api/v2/connections/{created['id']}"
    api.patch(url, {"options": {"customScripts": {"login": LOGIN, "get_user": GET_USER}}}, format="json")
    response = api.patch(
        url, {"display_name": "late", "options": {"customScripts": {}}}, format="json", HTTP_IF_MATCH='"1.1"'
    )
    assert response.status_code == 412
    assert response.json()["errorCode"] == "precondition_failed"
    connection = Connection.objects.get(public_id=created["id"])
    assert connection.display_name == "" and script_bodies_current(connection=connection)["get_user"] == GET_USER


def test_a_settings_change_also_makes_an_older_etag_stale(api):
    response = _create(api, customScripts={"login": LOGIN})
    url, etag = f"/api/v2/connections/{response.json()['id']}", response["ETag"]
    assert api.patch(url, {"display_name": "first"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    stale = api.patch(url, {"display_name": "second"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert Connection.objects.get(public_id=response.json()["id"]).display_name == "first"


def test_a_malformed_if_match_is_a_400(api):
    url = f"/api/v2/connections/{_create(api).json()['id']}"
    response = api.patch(url, {"display_name": "x"}, format="json", HTTP_IF_MATCH="yesterday")
    assert response.status_code == 400 and "If-Match" in response.json()["message"]


def test_a_failed_patch_changes_nothing_at_all(api):
    created = _create(api, customScripts={"login": LOGIN}, configuration={"K": "v"}).json()
    url = f"/api/v2/connections/{created['id']}"
    response = api.patch(
        url,
        {
            "display_name": "changed",
            "options": {"import_mode": False, "configuration": {"K": None}, "customScripts": {"login": "function ("}},
        },
        format="json",
    )
    assert response.status_code == 400
    connection = Connection.objects.get(public_id=created["id"])
    assert connection.display_name == "" and connection.variables.filter(key="K").exists()


def test_name_and_strategy_cannot_change(api):
    created = _create(api).json()
    url = f"/api/v2/connections/{created['id']}"
    assert api.patch(url, {"name": "other"}, format="json").status_code == 400
    assert api.patch(url, {"name": "legacy-db", "display_name": "ok"}, format="json").status_code == 200


def test_revisions_list_get_and_restore(api):
    created = _create(api, customScripts={"login": LOGIN}).json()
    base = f"/api/v2/connections/{created['id']}"
    api.patch(base, {"options": {"customScripts": {"login": LOGIN + "// v2\n"}}}, format="json")
    assert [r["number"] for r in api.get(f"{base}/revisions").json()] == [2, 1]
    assert api.get(f"{base}/revisions/1").json()["customScripts"]["login"] == LOGIN
    response = api.post(f"{base}/revisions/1/restore")
    assert response.status_code == 201 and response.json()["number"] == 3 and response.json()["restored_from"] == 1
    assert api.get(base).json()["options"]["customScripts"]["login"] == LOGIN
    assert api.get(f"{base}/revisions/99").status_code == 404


def test_delete_removes_the_connection(api):
    created = _create(api).json()
    assert api.delete(f"/api/v2/connections/{created['id']}").status_code == 204
    response = api.get(f"/api/v2/connections/{created['id']}")
    assert response.status_code == 404 and response.json()["statusCode"] == 404


ENDPOINTS = [
    ("get", "/api/v2/connections", "read:connections"),
    ("post", "/api/v2/connections", "create:connections"),
    ("get", "/api/v2/connections/{id}", "read:connections"),
    ("patch", "/api/v2/connections/{id}", "update:connections"),
    ("delete", "/api/v2/connections/{id}", "delete:connections"),
    ("get", "/api/v2/connections/{id}/revisions", "read:connections"),
    ("post", "/api/v2/connections/{id}/revisions/1/restore", "update:connections"),
]


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS)
def test_every_endpoint_needs_its_scope(editor, api_for, method, path, scope):
    connection = services.connection_create(name="scoped", by=editor)
    others = [s for _, _, s in ENDPOINTS if s != scope]
    client = api_for(editor, *set(others))
    url = path.format(id=connection.public_id)
    response = getattr(client, method)(url, {"name": "x"} if method == "post" else None, format="json")
    assert response.status_code == 403
    assert response.json()["message"] == f"Insufficient scope: this call needs {scope}."
    allowed = getattr(api_for(editor, scope), method)(
        url, {"name": "fresh"} if method == "post" else None, format="json"
    )
    assert allowed.status_code != 403


def test_throttling_answers_429_with_retry_after(api, settings):
    from django.core.cache import cache

    cache.clear()
    settings.TRICKLE_API_RATE = "3/minute"
    codes = [api.get("/api/v2/connections").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = api.get("/api/v2/connections")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert response.json()["errorCode"] == "too_many_requests"
    cache.clear()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_patches_from_one_etag_exactly_one_wins(editor, token_for):
    if db_connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL's row locks")
    token = token_for(editor)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    created = _create(client, customScripts={"login": LOGIN}).json()
    url = f"/api/v2/connections/{created['id']}"
    barrier, codes = threading.Barrier(2), []

    def patch(n):
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        barrier.wait()
        codes.append(
            c.patch(
                url,
                {"options": {"customScripts": {"login": LOGIN + f"// {n}\n"}}},
                format="json",
                HTTP_IF_MATCH='"1.1"',
            ).status_code
        )

    threads = [threading.Thread(target=patch, args=(n,)) for n in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(codes) == [200, 412]
    assert ScriptRevision.objects.filter(connection__public_id=created["id"]).count() == 2


def test_an_unknown_query_parameter_is_refused_not_ignored(api):
    """A misspelt filter (`nmae=`) must not silently list every connection, as in Auth0."""
    response = api.get("/api/v2/connections?nmae=legacy")
    assert response.status_code == 400
    assert response.json()["message"] == "Unknown query parameters: 'nmae'."
    assert api.get("/api/v2/connections?name=legacy&per_page=5").status_code == 200
