"""The user page and /api/v2/users/{id}: profile, metadata, block, password, verified, delete; audited and logged."""

import pytest

from connections_admin.models import AuditEvent
from identity import services
from identity.exceptions import FlowFailed
from identity.models import LogEvent, ManagedUser

from .conftest import connection_in_mode

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    connection = connection_in_mode(name="shop", mode="managed")
    services.user_signup(connection=connection, email="ada@example.test", password="first-pass-1")
    services.user_login(
        connection=connection,
        username="ada@example.test",
        password="first-pass-1",
        ip="192.0.2.9",
        user_agent="Firefox/1",
    )
    return connection


def _user(shop):
    return ManagedUser.objects.get(connection=shop)


def _change(client, shop, **data):
    return client.post(f"/connections/{shop.public_id}/users/{_user(shop).pk}/change/", data)


def test_the_user_page_shows_profile_history_and_no_secret(shop, viewer_client):
    user = _user(shop)
    page = viewer_client.get(f"/connections/{shop.public_id}/users/{user.pk}/").content.decode()
    assert "ada@example.test" in page and f"auth0|{user.user_id}" in page
    assert 'data-history="login"' in page and "192.0.2.9" in page and "Firefox/1" in page
    assert user.password not in page and "first-pass-1" not in page
    assert "Set password" not in page  # a viewer sees no actions


def test_metadata_is_edited_as_json_with_validation(shop, editor_client, editor):
    bad = _change(editor_client, shop, action="metadata", user_metadata="{'lang': 'en'}", app_metadata="{}")
    assert bad.status_code == 400 and "Not valid JSON" in bad.content.decode()
    dotted = _change(editor_client, shop, action="metadata", user_metadata='{"a.b": 1}', app_metadata="{}")
    assert dotted.status_code == 400 and "Keys may not be empty" in dotted.content.decode()
    array = _change(editor_client, shop, action="metadata", user_metadata="[1]", app_metadata="{}")
    assert array.status_code == 400 and "JSON object" in array.content.decode()
    assert _user(shop).user_metadata == {}

    ok = _change(
        editor_client, shop, action="metadata", user_metadata='{"lang": "fr"}', app_metadata='{"plan": "gold"}'
    )
    assert ok.status_code == 302
    user = _user(shop)
    assert user.user_metadata == {"lang": "fr"} and user.app_metadata == {"plan": "gold"}
    audit = AuditEvent.objects.get(detail__flow="admin")
    assert audit.actor == editor and audit.detail["fields"] == ["user_metadata", "app_metadata"]
    assert LogEvent.objects.filter(type="sapi", actor_label="editor", user_id=f"auth0|{user.user_id}").exists()


def test_block_set_password_verify_and_delete_from_the_page(shop, editor_client, viewer_client):
    assert _change(viewer_client, shop, action="block").status_code == 403
    _change(editor_client, shop, action="block")
    with pytest.raises(FlowFailed) as refused:
        services.user_login(connection=shop, username="ada@example.test", password="first-pass-1")
    assert refused.value.reason == "user_blocked"
    _change(editor_client, shop, action="unblock")

    short = _change(editor_client, shop, action="password", password="short")
    assert short.status_code == 400
    _change(editor_client, shop, action="password", password="second-pass-2")
    assert services.user_login(connection=shop, username="ada@example.test", password="second-pass-2")
    _change(editor_client, shop, action="verify")
    assert _user(shop).email_verified
    updates = LogEvent.objects.filter(type="sapi", details__action="update_user")
    logged = list(updates.values_list("description", flat=True))
    assert logged == ["Update email_verified", "Set password", "Unblock user", "Block user"]
    assert "second-pass-2" not in str(list(LogEvent.objects.values())) + str(list(AuditEvent.objects.values()))

    editor_client.post(f"/connections/{shop.public_id}/users/{_user(shop).pk}/delete/")
    assert not ManagedUser.objects.exists() and LogEvent.objects.filter(type="sdu").exists()


def test_the_api_reads_patches_and_deletes_users_auth0_style(shop, api_for, editor, viewer):
    user = _user(shop)
    url = f"/api/v2/users/auth0|{user.user_id}"
    reader = api_for(viewer, "read:users")
    body = reader.get(url).json()
    assert body["user_id"] == f"auth0|{user.user_id}" and body["blocked"] is False and body["logins_count"] == 1
    assert "password" not in body
    assert reader.patch(url, {"blocked": True}, format="json").status_code == 403

    writer = api_for(editor, "update:users", "read:users", "delete:users", "read:logs")
    _user(shop).__class__.objects.filter(pk=user.pk).update(user_metadata={"lang": "en", "theme": "dark"})
    patched = writer.patch(
        url, {"user_metadata": {"theme": None, "tz": "UTC"}, "blocked": True, "nickname": "ada"}, format="json"
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["user_metadata"] == {"lang": "en", "tz": "UTC"} and patched.json()["blocked"] is True
    assert patched.json()["nickname"] == "ada"
    assert writer.patch(url, {"email": "x@y.test"}, format="json").status_code == 400
    bad = writer.patch(url, {"app_metadata": {"$set": 1}}, format="json")
    assert bad.status_code == 400 and "app_metadata" in bad.json()["message"]
    assert writer.patch(url, {"password": "third-pass-3"}, format="json").status_code == 200
    assert [e["type"] for e in writer.get(f"{url}/logs").json()][:2] == ["sapi", "sapi"]
    assert writer.get("/api/v2/users/auth0|nobody").status_code == 404

    assert writer.get(f"/api/v2/user-blocks/{user.user_id}").json() == {"blocked_for": []}
    assert writer.delete(url).status_code == 204
    assert not ManagedUser.objects.exists()


def test_an_ambiguous_user_id_asks_for_the_connection(shop, api_for, editor):
    other = connection_in_mode(name="other", mode="managed")
    user = _user(shop)
    ManagedUser.objects.create(connection=other, user_id=user.user_id, email="twin@example.test", is_managed=True)
    api = api_for(editor, "read:users")
    assert api.get(f"/api/v2/users/{user.user_id}").status_code == 409
    assert api.get(f"/api/v2/users/{user.user_id}?connection=other").json()["email"] == "twin@example.test"
