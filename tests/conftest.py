"""Shared fixtures: personas as the style guide asks (editor, viewer, staff without permission, anonymous)."""

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from rest_framework.test import APIClient

from api.scopes import SCOPES
from api.services import api_token_issue
from tests.factories import ConnectionFactory, UserFactory

# Fixture modules owned by each part of the product, so they can grow without touching this file.
pytest_plugins = ["tests.fixtures.scriptd", "tests.fixtures.browser"]


def _with_perms(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def editor(db):
    """Staff with every connection permission: may change things."""
    return _with_perms(
        UserFactory(username="editor"), "view_connection", "add_connection", "change_connection", "delete_connection"
    )


@pytest.fixture
def viewer(db):
    """Staff who may only look."""
    return _with_perms(UserFactory(username="viewer"), "view_connection")


@pytest.fixture
def outsider(db):
    """Staff without any connection permission."""
    return UserFactory(username="outsider")


def _client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editor_client(editor):
    return _client_for(editor)


@pytest.fixture
def viewer_client(viewer):
    return _client_for(viewer)


@pytest.fixture
def outsider_client(outsider):
    return _client_for(outsider)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.test", "pw")


@pytest.fixture
def superuser_client(superuser):
    return _client_for(superuser)


@pytest.fixture
def anonymous_client():
    return Client()


@pytest.fixture
def connection(db):
    return ConnectionFactory(name="legacy-db")


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
