from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken, token_digest
from api.services import api_token_issue, api_token_revoke


def test_a_token_is_stored_only_as_a_digest(editor):
    token, plaintext = api_token_issue(user=editor, name="ci", scopes=["read:connections"])
    assert plaintext.startswith("trk_") and len(plaintext) > 40
    stored = ApiToken.objects.get()
    assert stored.digest == token_digest(plaintext) and plaintext not in str(stored.__dict__)


def test_a_token_never_exceeds_its_users_permissions(viewer):
    with pytest.raises(ValidationError, match="lacks the permissions for: update:connections"):
        api_token_issue(user=viewer, name="x", scopes=["read:connections", "update:connections"])
    assert not ApiToken.objects.exists()


def test_unknown_scopes_and_past_expiry_are_refused(editor):
    with pytest.raises(ValidationError, match="Unknown scopes: fly:away"):
        api_token_issue(user=editor, name="x", scopes=["fly:away"])
    with pytest.raises(ValidationError, match="future"):
        api_token_issue(
            user=editor, name="x", scopes=["read:connections"], expires_at=timezone.now() - timedelta(minutes=1)
        )


def test_the_command_prints_a_working_token(editor, capsys, connection):
    call_command("issue_api_token", user="editor", scopes="read:connections", name="cli")
    plaintext = capsys.readouterr().out.strip()
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert client.get("/api/v2/connections").status_code == 200


def test_the_command_explains_refusals(viewer):
    with pytest.raises(CommandError, match="lacks the permissions"):
        call_command("issue_api_token", user="viewer", scopes="delete:connections")
    with pytest.raises(CommandError, match="No user named"):
        call_command("issue_api_token", user="ghost", scopes="read:connections")


@pytest.mark.parametrize("header", [None, "Bearer trk_wrong", "Bearer nope", "Basic abc"])
def test_calls_without_a_valid_token_get_401_in_auth0s_envelope(db, client, header):
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/v2/connections", **headers)
    assert response.status_code == 401
    body = response.json()
    assert body["statusCode"] == 401 and body["error"] == "Unauthorized" and body["errorCode"] == "invalid_token"


def test_revoked_and_expired_tokens_stop_working(editor, api_for):
    client = api_for(editor, "read:connections")
    assert client.get("/api/v2/connections").status_code == 200
    api_token_revoke(token=ApiToken.objects.get())
    assert client.get("/api/v2/connections").status_code == 401
    token, plaintext = api_token_issue(
        user=editor, name="short", scopes=["read:connections"], expires_at=timezone.now() + timedelta(seconds=60)
    )
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert client.get("/api/v2/connections").status_code == 401


def test_losing_a_permission_narrows_existing_tokens(editor, api_for):
    from django.contrib.auth.models import Permission

    client = api_for(editor, "read:connections")
    editor.user_permissions.remove(Permission.objects.get(codename="view_connection"))
    response = client.get("/api/v2/connections")
    assert response.status_code == 403 and response.json()["errorCode"] == "insufficient_scope"


def test_the_dashboard_shows_a_new_token_once_and_revokes_it(editor_client, editor):
    response = editor_client.post(reverse("api-tokens"), {"name": "deploy", "scopes": ["read:connections"]})
    assert response.status_code == 302 and response["Location"] == reverse("api-tokens")  # post/redirect/get
    token = ApiToken.objects.get()
    shown = editor_client.get(reverse("api-tokens"))
    html = shown.content.decode()
    assert "Copy your new token now" in html and token.hint in html and shown["Cache-Control"] == "no-store"
    assert all(token.hint not in str(value) for value in editor_client.session.values())  # gone from the session
    assert "Copy your new token now" not in editor_client.get(reverse("api-tokens")).content.decode()
    assert editor_client.post(reverse("api-token-revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_dashboard_offers_only_scopes_the_user_holds(viewer_client):
    html = viewer_client.get(reverse("api-tokens")).content.decode()
    assert "read:connections" in html and "delete:connections" not in html


def test_nobody_revokes_someone_elses_token(editor, viewer_client):
    token, _ = api_token_issue(user=editor, name="mine", scopes=["read:connections"])
    assert viewer_client.post(reverse("api-token-revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_anonymous_visitors_are_sent_to_sign_in(anonymous_client):
    response = anonymous_client.get(reverse("api-tokens"))
    assert response.status_code == 302


def test_a_second_active_token_with_the_same_name_is_refused(editor_client, editor):
    editor_client.post(reverse("api-tokens"), {"name": "deploy", "scopes": ["read:connections"]})
    again = editor_client.post(reverse("api-tokens"), {"name": "deploy", "scopes": ["read:connections"]})
    assert again.status_code == 200 and "already have a token named" in again.content.decode()
    assert ApiToken.objects.count() == 1
    api_token_revoke(token=ApiToken.objects.get())  # a revoked token's name is free again
    assert (
        editor_client.post(reverse("api-tokens"), {"name": "deploy", "scopes": ["read:connections"]}).status_code == 302
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reloading_after_creating_a_token_neither_resubmits_nor_shows_the_secret_again(page_for, editor):
    page = page_for(editor)
    page.goto(reverse("api-tokens"))
    page.fill("#id_name", "deploy")
    page.locator("input[value='read:connections']").check()
    page.click("text=Create token")
    secret = page.locator("#new-token").input_value()
    assert secret.startswith("trk_")
    page.reload()
    assert page.locator("#new-token").count() == 0 and secret not in page.content()
    assert ApiToken.objects.count() == 1
