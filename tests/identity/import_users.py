"""Users in Auth0's import format, hashed in every algorithm Trickle imports (cheap parameters: the test checks
formats, not cost)."""

import base64
import hashlib

import argon2
import bcrypt

ARGON2 = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
_BCRYPT_SALT = bcrypt.gensalt(4)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _phc(data: bytes) -> str:
    return _b64(data).rstrip("=")


def _custom(algorithm: str, value: str, **extra) -> dict:
    return {
        "custom_password_hash": {"algorithm": algorithm, "hash": {"value": value, **extra.pop("hash", {})}, **extra}
    }


def hashed(fmt: str, password: str, n: int) -> dict:
    """The password fields of one user, in format `fmt`."""
    pw, salt = password.encode(), f"salt{n}".encode()
    if fmt == "password_hash":
        return {"password_hash": bcrypt.hashpw(pw, _BCRYPT_SALT).decode()}
    if fmt == "bcrypt":
        return _custom("bcrypt", bcrypt.hashpw(pw, _BCRYPT_SALT).decode().replace("$2b$", "$2a$"))
    if fmt == "argon2":
        return _custom("argon2", ARGON2.hash(password))
    if fmt in ("pbkdf2-sha256", "pbkdf2-sha512"):
        digest = fmt.split("-")[1]
        derived = hashlib.pbkdf2_hmac(digest, pw, salt, 1000, 32)
        return _custom("pbkdf2", f"${fmt}$i=1000,l=32${_phc(salt)}${_phc(derived)}")
    if fmt == "md5":
        return _custom("md5", hashlib.md5(pw).hexdigest())
    if fmt == "sha1":
        return _custom(
            "sha1",
            _b64(hashlib.sha1(salt + pw).digest()),
            hash={"encoding": "base64"},
            salt={"value": salt.decode(), "position": "prefix"},
        )
    if fmt == "sha256":
        return _custom(
            "sha256",
            hashlib.sha256(pw + salt).hexdigest(),
            salt={"value": salt.hex(), "encoding": "hex", "position": "suffix"},
        )
    if fmt == "sha512":
        return _custom(
            "sha512",
            _b64(hashlib.sha512(salt + pw).digest()),
            hash={"encoding": "base64"},
            salt={"value": _b64(salt), "encoding": "base64", "position": "prefix"},
        )
    if fmt == "ldap-ssha":
        return _custom("ldap", "{SSHA}" + _b64(hashlib.sha1(pw + salt).digest() + salt))
    if fmt == "ldap-sha512":
        return _custom("ldap", "{SHA512}" + _b64(hashlib.sha512(pw).digest()))
    raise ValueError(fmt)


FORMATS = [
    "password_hash",
    "bcrypt",
    "argon2",
    "pbkdf2-sha256",
    "pbkdf2-sha512",
    "md5",
    "sha1",
    "sha256",
    "sha512",
    "ldap-ssha",
    "ldap-sha512",
]


def user(n: int, fmt: str) -> dict:
    return {
        "email": f"user{n}@import.test",
        "email_verified": n % 2 == 0,
        "user_id": f"legacy|{n}",
        "given_name": f"Given{n}",
        "user_metadata": {"n": n},
        "app_metadata": {"plan": "gold"},
        **hashed(fmt, password_of(n), n),
    }


def password_of(n: int) -> str:
    return f"pässword-{n}"  # non-ASCII on purpose: the password encoding matters
