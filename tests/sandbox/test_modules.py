"""require(): the allow-listed modules work as in Node; the crypto bridge matches Python's own."""

import base64
import hashlib
import hmac
import json
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from scriptd_client import client as scriptd

pytestmark = pytest.mark.scriptd

ALLOWLIST = json.loads((Path(__file__).resolve().parents[2] / "sandbox" / "allowlist.json").read_text())

# Hashes made by native bcrypt (the OpenBSD test vectors, and one cost-10 hash), checked with PyPI's bcrypt.
NATIVE_BCRYPT = [
    ("", "$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s."),
    ("abc", "$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i"),
    ("pa55word", "$2b$10$abcdefghijklmnopqrstuujypkTRLifb3/auCCAWZnkN02ckDRJBW"),
]


def value_of(run, body, **kwargs):
    outcome = run(f"function login(email, password, callback) {{ {body} }}", timeout_ms=5000, **kwargs)
    assert outcome.status == "ok", outcome.result
    return outcome.value


@pytest.mark.parametrize("name", sorted(ALLOWLIST["modules"]) + sorted(ALLOWLIST["aliases"]))
def test_every_allow_listed_module_loads(run, name):
    assert value_of(run, f"callback(null, typeof require({name!r}));") in ("object", "function")


@pytest.mark.parametrize("password, native_hash", NATIVE_BCRYPT)
def test_bcrypt_is_native_and_bcryptjs_agrees_with_it(run, password, native_hash):
    body = f"""
      const bcryptjs = require('bcryptjs'), bcrypt = require('bcrypt');
      callback(null, {{ same: bcrypt === bcryptjs, matches: bcrypt.compareSync({password!r}, {native_hash!r}),
                        jsMatches: bcryptjs.compareSync({password!r}, {native_hash!r}),
                        rehash: bcrypt.hashSync({password!r}, {native_hash[:29]!r}),
                        jsRehash: bcryptjs.hashSync({password!r}, {native_hash[:29]!r}) }});"""
    value = value_of(run, body)
    assert value == {"same": False, "matches": True, "jsMatches": True, "rehash": native_hash, "jsRehash": native_hash}


def test_native_bcrypt_full_api(run):
    body = """
      const bcrypt = require('bcrypt');
      (async () => {
        const salt = await bcrypt.genSalt(4);
        const hashed = await bcrypt.hash(password, salt);
        const fromRounds = bcrypt.hashSync(password, 4);
        const errors = [];
        try { bcrypt.hashSync(password); } catch (e) { errors.push(e.message); }
        await bcrypt.hash(password, 'not a salt').catch((e) => errors.push(e.message.split('.')[0]));
        try { await bcrypt.hash(password, 31); } catch (e) { errors.push(e.name); }
        bcrypt.genSalt(5, (err, s5) => bcrypt.hash(Buffer.from(password), s5, (err2, h5) => callback(null, {
          saltRounds: bcrypt.getRounds(salt), ok: bcrypt.compareSync(password, hashed), rounds: bcrypt.getRounds(fromRounds),
          bad: bcrypt.compareSync('wrong', fromRounds), invalidHash: bcrypt.compareSync(password, 'nonsense'),
          buffer: bcrypt.compareSync(password, h5), r5: bcrypt.getRounds(h5), errors, syncSalt: bcrypt.genSaltSync(6).slice(0, 7) })));
      })().catch(callback);"""
    assert value_of(run, body) == {
        "saltRounds": 4,
        "ok": True,
        "rounds": 4,
        "bad": False,
        "invalidHash": False,
        "buffer": True,
        "r5": 5,
        "errors": ["data and salt arguments required", "Invalid salt", "RangeError"],
        "syncSalt": "$2b$06$",
    }


def test_bcrypt_callback_and_promise_apis(run):
    body = """
      const bcrypt = require('bcrypt');
      bcrypt.hash(password, 4, (err, hash) => {
        if (err) return callback(err);
        bcrypt.compare(password, hash).then((ok) => bcrypt.compare('wrong', hash, (e2, bad) => callback(null, [ok, bad])));
      });"""
    assert value_of(run, body) == [True, False]


def test_legacy_bare_globals_are_there_by_default_and_switch_off(run):
    body = "callback(null, [typeof bcrypt, typeof crypto, typeof _, typeof jwt, typeof uuid, typeof querystring]);"
    assert value_of(run, body) == ["object", "object", "function", "object", "object", "object"]
    assert value_of(run, body, legacy_globals=False) == ["undefined"] * 6


def test_a_pinned_version_is_accepted_and_noted_in_the_log(run):
    outcome = run("function login(e, p, cb) { cb(null, typeof require('bcrypt@5.0.1').compareSync); }")
    assert outcome.value == "function"
    assert any("bcrypt@5.0.1" in line["text"] and "bcrypt 6.0.0" in line["text"] for line in outcome.logs)


def test_node_prefixed_builtins_resolve(run):
    assert value_of(run, "callback(null, typeof require('node:crypto').createHash);") == "function"


# ---- the crypto bridge, checked against Python ------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256", "sha512"])
def test_create_hash_matches_hashlib(run, algorithm):
    body = f"""const c = require('crypto');
      callback(null, [c.createHash({algorithm!r}).update('pass').update(Buffer.from('wörd')).digest('hex'),
                      c.createHash({algorithm!r}).update('pass').digest('base64')]);"""
    assert value_of(run, body) == [
        hashlib.new(algorithm, "passwörd".encode()).hexdigest(),
        base64.b64encode(hashlib.new(algorithm, b"pass").digest()).decode(),
    ]


def test_create_hmac_matches_python_hmac(run):
    body = "callback(null, require('crypto').createHmac('sha256', Buffer.from('salt-salt', 'utf8')).update(Buffer.from('pw', 'utf16le')).digest('base64'));"
    expected = base64.b64encode(hmac.new(b"salt-salt", "pw".encode("utf-16-le"), hashlib.sha256).digest()).decode()
    assert value_of(run, body) == expected


def test_pbkdf2_sync_and_async_match_hashlib_at_a_million_iterations(run):
    body = """const c = require('crypto');
      const sync = c.pbkdf2Sync('password', 'salt', 1000000, 32, 'sha256').toString('hex');
      c.pbkdf2('password', Buffer.from('salt'), 1000, 16, 'sha1', (err, key) => callback(err, [sync, key.toString('hex')]));"""
    assert value_of(run, body) == [
        hashlib.pbkdf2_hmac("sha256", b"password", b"salt", 1_000_000, 32).hex(),
        hashlib.pbkdf2_hmac("sha1", b"password", b"salt", 1000, 16).hex(),
    ]


def test_random_functions_and_timing_safe_equal(run):
    body = """const c = require('crypto');
      let mismatch;
      try { c.timingSafeEqual(Buffer.from('a'), Buffer.from('ab')); } catch (e) { mismatch = e.name; }
      c.randomBytes(8, (err, later) => callback(null, { bytes: c.randomBytes(16).length, later: later.length,
        uuid: c.randomUUID(), equal: c.timingSafeEqual(Buffer.from('abc'), Buffer.from('abc')),
        unequal: c.timingSafeEqual(Buffer.from('abc'), Buffer.from('abd')), mismatch }));"""
    value = value_of(run, body)
    assert uuid.UUID(value.pop("uuid")).version == 4
    assert value == {"bytes": 16, "later": 8, "equal": True, "unequal": False, "mismatch": "RangeError"}


def test_an_unsupported_digest_is_a_script_error(run):
    outcome = run("function login(e, p, cb) { require('crypto').createHash('md4').update('x').digest('hex'); }")
    assert outcome.status == "error"
    assert "Digest method not supported" in outcome.error["message"]


# ---- JWT and friends -----------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_jsonwebtoken_hs256_matches_a_token_made_in_python(run):
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps({"sub": "legacy|1"}, separators=(",", ":")).encode())
    signature = _b64url(hmac.new(b"s3cret", f"{header}.{payload}".encode(), hashlib.sha256).digest())
    body = f"""const jwt = require('jsonwebtoken');
      const token = jwt.sign({{ sub: 'legacy|1' }}, 's3cret', {{ noTimestamp: true }});
      callback(null, {{ token, verified: jwt.verify({f"{header}.{payload}.{signature}"!r}, 's3cret').sub,
                       decoded: require('jwt-decode').jwtDecode(token).sub }});"""
    assert value_of(run, body) == {
        "token": f"{header}.{payload}.{signature}",
        "verified": "legacy|1",
        "decoded": "legacy|1",
    }


def test_jsonwebtoken_rs256_round_trips_and_python_verifies_it(run):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    body = f"""const jwt = require('jsonwebtoken');
      const token = jwt.sign({{ sub: 'legacy|2' }}, {private_pem!r}, {{ algorithm: 'RS256' }});
      callback(null, {{ token, sub: jwt.verify(token, {public_pem!r}, {{ algorithms: ['RS256'] }}).sub }});"""
    value = value_of(run, body)
    assert value["sub"] == "legacy|2"
    header, payload, signature = value["token"].split(".")
    key.public_key().verify(
        base64.urlsafe_b64decode(signature + "=="), f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256()
    )


def test_a_token_with_a_wrong_secret_fails_verification(run):
    body = """const jwt = require('jsonwebtoken');
      try { jwt.verify(jwt.sign({ a: 1 }, 'right'), 'wrong'); callback(null, 'verified'); }
      catch (e) { callback(null, e.name + ': ' + e.message); }"""
    assert value_of(run, body) == "JsonWebTokenError: invalid signature"


def test_utility_modules(run):
    body = """
      const util = require('util'), _ = require('lodash'), qs = require('qs'), url = require('url'),
            querystring = require('querystring'), { v4, validate, v5 } = require('uuid');
      const late = util.promisify((x, cb) => setTimeout(() => cb(null, x * 2), 1));
      late(21).then((n) => callback(null, {
        n, formatted: util.format('%s=%d %j', 'a', 1, { b: 2 }),
        picked: _.pick({ a: 1, b: 2 }, ['a']), nested: qs.parse('a[b]=c'),
        host: url.parse('https://x.example/p?q=1').hostname, whatwg: new url.URL('/x', 'https://y.example').href,
        qsString: querystring.stringify({ a: 'b c' }), uuid: validate(v4()),
        v5: v5('hello', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'),
      }));"""
    assert value_of(run, body) == {
        "n": 42,
        "formatted": 'a=1 {"b":2}',
        "picked": {"a": 1},
        "nested": {"a": {"b": "c"}},
        "host": "x.example",
        "whatwg": "https://y.example/x",
        "qsString": "a=b%20c",
        "uuid": True,
        "v5": str(uuid.uuid5(uuid.NAMESPACE_DNS, "hello")),
    }


def test_packages_load_on_first_require_and_are_compiled_once_per_worker(run, scriptd_socket):
    body = "callback(null, typeof require('mysql2/promise').createPool);"
    for _ in range(4):  # fresh isolates, on both workers
        assert value_of(run, body) == "function"
    workers = scriptd.stats(socket_path=scriptd_socket)["workers"]
    # Keyed by the catalog version served (sandbox/catalog.json).
    assert any("mysql2@3.24.6/promise" in w["cached_modules"] for w in workers)
