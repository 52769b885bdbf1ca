"""Dashboard pages to create and revoke one's own API tokens."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from connections_admin import crypto
from connections_admin.forms import add_service_errors

from .forms import ApiTokenForm
from .models import ApiToken
from .scopes import scopes_allowed_for
from .services import api_token_issue, api_token_revoke

# Post/redirect/get: the new token's plaintext crosses the redirect in the session, encrypted, and the next
# GET takes it out, so it shows once and a reload neither shows it again nor creates a second token.
NEW_TOKEN_SESSION_KEY = "api_token_new"


@staff_member_required
def token_list(request):
    allowed = scopes_allowed_for(request.user)
    form = ApiTokenForm(request.POST or None, allowed=allowed)
    if request.method == "POST" and form.is_valid():
        try:
            _, plaintext = api_token_issue(user=request.user, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            request.session[NEW_TOKEN_SESSION_KEY] = crypto.encrypt(plaintext)
            return redirect("api-tokens")
    sealed = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    plaintext = crypto.decrypt(sealed) if sealed else None
    tokens = ApiToken.objects.filter(user=request.user)
    response = render(request, "api/token_list.html", {"form": form, "tokens": tokens, "plaintext": plaintext})
    if plaintext:
        response["Cache-Control"] = "no-store"  # Back must not bring the secret back from the cache
    return response


@require_POST
@staff_member_required
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token)
    messages.success(request, f"Token {token.name} revoked.")
    return redirect("api-tokens")
