"""The managed store hashes with Argon2id at OWASP's parameters and upgrades older hashes at a good login."""

import pytest
from django.contrib.auth.hashers import make_password

from identity import services
from identity.exceptions import FlowFailed
from identity.models import ManagedUser

from .conftest import connection_in_mode

pytestmark = pytest.mark.django_db

OWASP = "identity.hashers.OwaspArgon2PasswordHasher"
PBKDF2 = "django.contrib.auth.hashers.PBKDF2PasswordHasher"
ARGON2_DJANGO = "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.fixture
def real_hashers(settings):
    settings.PASSWORD_HASHERS = [OWASP, PBKDF2]


def _managed_user(connection, password_hash: str) -> ManagedUser:
    return ManagedUser.objects.create(
        connection=connection, user_id="u1", email="ada@example.test", is_managed=True, password=password_hash
    )


def test_new_managed_passwords_are_argon2id_with_owasp_parameters(real_hashers):
    user = ManagedUser(user_id="x")
    user.set_password("s3cret-pass")
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert user.check_password("s3cret-pass") and not user.check_password("wrong")


def test_a_pbkdf2_hash_is_upgraded_at_the_next_good_login_only(real_hashers):
    connection = connection_in_mode(name="shop", mode="managed")
    user = _managed_user(connection, make_password("s3cret-pass", hasher="pbkdf2_sha256"))

    with pytest.raises(FlowFailed, match="credentials"):
        services.user_login(connection=connection, username="ada@example.test", password="wrong")
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")  # a wrong password changes nothing

    result = services.user_login(connection=connection, username="ada@example.test", password="s3cret-pass")
    user.refresh_from_db()
    assert result.path == "managed"
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert services.user_login(connection=connection, username="ada@example.test", password="s3cret-pass")


def test_argon2_with_django_default_parameters_is_re_hashed_with_owasp_ones(real_hashers, settings):
    settings.PASSWORD_HASHERS = [ARGON2_DJANGO]
    heavy = make_password("s3cret-pass")
    assert "m=102400" in heavy
    settings.PASSWORD_HASHERS = [OWASP, PBKDF2]
    connection = connection_in_mode(name="shop", mode="managed")
    user = _managed_user(connection, heavy)

    services.user_login(connection=connection, username="ada@example.test", password="s3cret-pass")
    user.refresh_from_db()
    assert "m=19456,t=2,p=1" in user.password
