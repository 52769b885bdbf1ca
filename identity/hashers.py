"""Password hashers of the managed store.

Argon2id with OWASP's recommended parameters (m=19 MiB, t=2, p=1) is the store's own hash: a login costs
tens of milliseconds instead of PBKDF2's quarter second, and it resists GPU cracking better. Older hashes
(PBKDF2, Django's default Argon2 parameters, imported foreign hashes) keep working and are re-hashed with
it at the next good login, because Django's check_password upgrades whatever `must_update` flags.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, m=19456 KiB, t=2, p=1 (OWASP Password Storage Cheat Sheet).

    It keeps Django's "argon2" algorithm name, so hashes made with Django's heavier defaults are
    recognised and, through must_update's parameter comparison, re-hashed with these."""

    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
