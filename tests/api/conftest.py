import itertools

import pytest
from rest_framework.test import APIClient

from api.scopes import SCOPES
from api.services import api_token_issue


@pytest.fixture
def token_for():
    """token_for(user, *scopes) -> the plaintext of a fresh token."""

    names = itertools.count(1)  # one active token per name and user

    def make(user, *scopes):
        return api_token_issue(user=user, name=f"test-{next(names)}", scopes=list(scopes or SCOPES))[1]

    return make


@pytest.fixture
def api_for(token_for):
    """api_for(user, *scopes) -> an APIClient that sends that token."""

    def make(user, *scopes):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, *scopes)}")
        return client

    return make
