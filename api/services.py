"""API tokens: issued once (only the digest is stored) and revoked, never edited."""

import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import TOKEN_PREFIX, ApiToken, token_digest
from .scopes import scopes_allowed_for, unknown_scopes


@transaction.atomic
def api_token_issue(*, user, name: str, scopes: list[str], expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token and return it with its plaintext, which is shown once and stored nowhere.

    Scopes the user's permissions do not cover are refused rather than silently dropped.
    """
    scopes = sorted(set(scopes))
    if not name.strip():
        raise ValidationError({"name": "Give the token a name."})
    if not scopes:
        raise ValidationError({"scopes": "Choose at least one scope."})
    if unknown := unknown_scopes(scopes):
        raise ValidationError({"scopes": f"Unknown scopes: {', '.join(unknown)}."})
    if beyond := sorted(set(scopes) - scopes_allowed_for(user)):
        raise ValidationError({"scopes": f"{user.get_username()} lacks the permissions for: {', '.join(beyond)}."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    if ApiToken.objects.filter(user=user, name=name.strip(), revoked_at__isnull=True).exists():
        raise ValidationError(
            {"name": f"You already have a token named {name.strip()!r}: choose another name or revoke it."}
        )
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        digest=token_digest(plaintext),
        hint=plaintext[:10],
        scopes=scopes,
        expires_at=expires_at,
    )
    return token, plaintext


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
