"""The "Can I require?" page and GET /api/v2/sandbox/modules: one listing, from sandbox/catalog.json."""

import json

import pytest

from scriptd_client import catalog

CATALOG = json.loads(catalog.CATALOG_FILE.read_text())["packages"]


def test_the_api_lists_every_catalog_package_and_version(viewer, api_for):
    response = api_for(viewer, "read:connections").get("/api/v2/sandbox/modules")
    assert response.status_code == 200
    body = response.json()
    listed = {p["name"]: p for p in body["packages"]}
    assert set(listed) == set(CATALOG)
    for name, pkg in CATALOG.items():
        assert set(listed[name]["versions"]) == set(pkg["versions"])
        assert listed[name]["default"] == pkg["default"]
    assert listed["mongodb"]["versions"] == ["3.7.4", "4.17.2", "5.9.2", "6.22.0"]
    assert listed["mongodb"]["default"] == "3.7.4"
    assert listed["mysql2"]["subpaths"] == ["promise"]
    assert {"name": "fs", "reason": "scripts in Trickle's sandbox have no file system"} in body["refused"]
    assert "crypto" in {b["name"] for b in body["builtins"]}


def test_the_api_needs_the_read_scope(viewer, api_for):
    response = api_for(viewer, "read:logs").get("/api/v2/sandbox/modules")
    assert response.status_code == 403
    assert "read:connections" in response.json()["message"]


def test_the_page_lists_packages_says_how_to_pin_and_that_mongodb_defaults_to_3(viewer_client):
    page = viewer_client.get("/sandbox/modules/").content.decode()
    for name in CATALOG:
        assert f'data-package="{name}"' in page
    assert "require('mongodb@4.17.2')" in page
    assert "Unpinned <code>require('mongodb')</code> serves <strong>3.7.4</strong> (3.x)" in page


@pytest.mark.parametrize(
    "query, shown, hidden",
    [
        ("mongo", ["mongodb"], ["pg", "axios"]),
        ("jwt", ["jsonwebtoken", "jwt-decode"], ["mongodb"]),
        ("4.17", ["mongodb"], ["pg"]),
    ],
)
def test_the_page_searches_names_notes_and_versions(viewer_client, query, shown, hidden):
    page = viewer_client.get("/sandbox/modules/", {"q": query}).content.decode()
    for name in shown:
        assert f'data-package="{name}"' in page
    for name in hidden:
        assert f'data-package="{name}"' not in page


def test_the_page_needs_a_signed_in_staff_user(client):
    response = client.get("/sandbox/modules/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
