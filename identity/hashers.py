"""Password hashers of the managed store.

Argon2id with OWASP's recommended parameters (m=19 MiB, t=2, p=1) is the store's own hash: a login costs
tens of milliseconds instead of PBKDF2's quarter second, and it resists GPU cracking better. Older hashes
(PBKDF2, Django's default Argon2 parameters, imported foreign hashes) keep working and are re-hashed with
it at the next good login, because Django's check_password upgrades whatever `must_update` flags.
"""

import base64
import hashlib
import hmac
import json

import argon2
import bcrypt
from django.contrib.auth.hashers import Argon2PasswordHasher, BasePasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, m=19456 KiB, t=2, p=1 (OWASP Password Storage Cheat Sheet).

    It keeps Django's "argon2" algorithm name, so hashes made with Django's heavier defaults are
    recognised and, through must_update's parameter comparison, re-hashed with these."""

    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1


class ImportedPasswordHasher(BasePasswordHasher):
    """Checks hashes brought in by a bulk import in Auth0's `custom_password_hash` forms (identity/imports.py
    stores them as `imported$<base64url JSON spec>`). It never makes hashes: `must_update` is always true,
    so the first good login re-hashes the password with the store's own hasher."""

    algorithm = "imported"

    def encode(self, password, salt):
        raise NotImplementedError("Imported hashes are only checked, never made.")

    def decode(self, encoded):
        return {"algorithm": self.algorithm, "spec": spec_decode(encoded)}

    def verify(self, password, encoded):
        try:
            return foreign_hash_verify(password, spec_decode(encoded))
        except (ValueError, KeyError, TypeError):
            return False

    def safe_summary(self, encoded):
        return {"algorithm": f"imported {spec_decode(encoded).get('algorithm', '?')}"}

    def must_update(self, encoded):
        return True

    def harden_runtime(self, password, encoded):
        pass


def spec_encode(spec: dict) -> str:
    return "imported$" + base64.urlsafe_b64encode(json.dumps(spec, separators=(",", ":")).encode()).decode()


def spec_decode(encoded: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(encoded.split("$", 1)[1].encode()))


DIGESTS = {"md5": "md5", "sha1": "sha1", "sha256": "sha256", "sha512": "sha512"}
# RFC 2307 schemes Auth0's `ldap` algorithm accepts; the salted ones append the salt to the digest.
LDAP_SCHEMES = {
    "MD5": ("md5", False),
    "SMD5": ("md5", True),
    "SHA": ("sha1", False),
    "SSHA": ("sha1", True),
    "SHA256": ("sha256", False),
    "SSHA256": ("sha256", True),
    "SHA512": ("sha512", False),
    "SSHA512": ("sha512", True),
}
PASSWORD_ENCODINGS = {
    "utf8": "utf-8",
    "ascii": "ascii",
    "latin1": "latin-1",
    "binary": "latin-1",
    "utf16le": "utf-16-le",
    "ucs2": "utf-16-le",
}


def decode_bytes(value: str, encoding: str) -> bytes:
    """A value in one of Auth0's encodings: hex, base64 or utf8."""
    if encoding == "hex":
        return bytes.fromhex(value)
    if encoding == "base64":
        return base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    if encoding == "utf8":
        return value.encode()
    raise ValueError(f"unknown encoding {encoding!r}")


def _b64_phc(value: str) -> bytes:
    # PHC strings use unpadded standard base64; passlib's variant writes '.' for '+'.
    value = value.replace(".", "+")
    return base64.b64decode(value + "=" * (-len(value) % 4))


def foreign_hash_verify(password: str, spec: dict) -> bool:
    """Does `password` match an Auth0 `custom_password_hash` (normalised by imports.custom_hash_spec)?"""
    algorithm, value = spec["algorithm"], spec["hash"]
    raw = password.encode(PASSWORD_ENCODINGS[spec.get("password_encoding", "utf8")])
    if algorithm == "bcrypt":
        return bcrypt.checkpw(raw, value.encode())
    if algorithm == "argon2":
        try:
            return argon2.PasswordHasher().verify(value, raw)
        except argon2.exceptions.VerificationError:
            return False
    if algorithm == "pbkdf2":
        _, scheme, params, salt, digest = value.split("$")
        options = dict(p.split("=", 1) for p in params.split(","))
        expected = _b64_phc(digest)
        computed = hashlib.pbkdf2_hmac(
            scheme.removeprefix("pbkdf2-"), raw, _b64_phc(salt), int(options["i"]), int(options.get("l", len(expected)))
        )
        return hmac.compare_digest(computed, expected)
    if algorithm in DIGESTS:
        salt = decode_bytes(spec["salt"], spec.get("salt_encoding", "utf8")) if spec.get("salt") else b""
        data = salt + raw if spec.get("salt_position", "prefix") == "prefix" else raw + salt
        expected = decode_bytes(value, spec.get("hash_encoding", "hex"))
        return hmac.compare_digest(hashlib.new(DIGESTS[algorithm], data).digest(), expected)
    if algorithm == "ldap":
        scheme, _, body = value[1:].partition("}")
        name, salted = LDAP_SCHEMES[scheme.upper()]
        decoded = base64.b64decode(body)
        size = hashlib.new(name).digest_size
        digest, salt = (decoded[:size], decoded[size:]) if salted else (decoded, b"")
        return hmac.compare_digest(hashlib.new(name, raw + salt).digest(), digest)
    raise ValueError(f"unknown algorithm {algorithm!r}")
