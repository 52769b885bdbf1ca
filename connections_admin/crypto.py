"""Encryption at rest for configuration values (Fernet; the first key encrypts, every key decrypts)."""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

MASK = "••••••••"


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.TRICKLE_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as e:  # a key was dropped before rotating: say so instead of a bare InvalidToken
        raise InvalidToken("configuration value cannot be decrypted with TRICKLE_ENCRYPTION_KEYS") from e


def reencrypt(token: str) -> str:
    """Re-encrypt under the first key (MultiFernet.rotate keeps the original timestamp)."""
    return fernet().rotate(token.encode()).decode()
