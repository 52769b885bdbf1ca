"""One real call per pure-JS catalog package, pinned to each version listed, checked against Python."""

import base64
import hashlib
import hmac
import json

import pytest

pytestmark = pytest.mark.scriptd

SECRET = "s3cret-key"


def value_of(run, body):
    outcome = run(f"function login(email, password, callback) {{ {body} }}", timeout_ms=15000, memory_mb=128)
    assert outcome.status == "ok", outcome.result
    return outcome.value


def hs256(payload: dict) -> str:
    enc = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()  # noqa: E731
    head = enc(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = enc(json.dumps(payload, separators=(",", ":")).encode())
    sig = enc(hmac.new(SECRET.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{sig}"


TOKEN = hs256({"sub": "u1", "email": "a@b.c"})


@pytest.mark.parametrize("spec", ["jsonwebtoken@8", "jsonwebtoken@9"])
def test_jsonwebtoken_versions_verify_a_python_signed_token_and_sign_one(run, spec):
    body = f"""
      const jwt = require('{spec}');
      const claims = jwt.verify({TOKEN!r}, {SECRET!r}, {{ algorithms: ['HS256'] }});
      let wrong;
      try {{ jwt.verify({TOKEN!r}, 'other', {{ algorithms: ['HS256'] }}); }} catch (e) {{ wrong = e.message; }}
      callback(null, {{ sub: claims.sub, wrong, signed: jwt.sign({{ sub: 'u1', email: 'a@b.c' }}, {SECRET!r}, {{ noTimestamp: true }}) }});"""
    assert value_of(run, body) == {"sub": "u1", "wrong": "invalid signature", "signed": TOKEN}


def test_jose_6_verifies_a_python_signed_token_and_signs_one_through_web_crypto(run):
    # jose 6 signs and verifies HS256 with crypto.subtle (importKey raw HMAC, sign/verify); a JWK key too.
    key = base64.urlsafe_b64encode(SECRET.encode()).rstrip(b"=").decode()
    body = f"""
      const jose = require('jose@6');
      const secret = new TextEncoder().encode({SECRET!r});
      (async () => {{
        const {{ payload }} = await jose.jwtVerify({TOKEN!r}, secret);
        const viaJwk = await jose.jwtVerify({TOKEN!r}, await jose.importJWK({{ kty: 'oct', k: {key!r} }}, 'HS256'));
        let wrong;
        try {{ await jose.jwtVerify({TOKEN!r}, new TextEncoder().encode('other')); }} catch (e) {{ wrong = e.code; }}
        const signed = await new jose.SignJWT({{ sub: 'u1', email: 'a@b.c' }}).setProtectedHeader({{ alg: 'HS256', typ: 'JWT' }}).sign(secret);
        callback(null, {{ sub: payload.sub, jwk: viaJwk.payload.email, wrong, signed }});
      }})().catch(callback);"""
    assert value_of(run, body) == {
        "sub": "u1",
        "jwk": "a@b.c",
        "wrong": "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
        "signed": TOKEN,
    }


def test_node_jose_computes_a_jwk_thumbprint_like_python(run):
    key = base64.urlsafe_b64encode(SECRET.encode()).rstrip(b"=").decode()
    # RFC 7638: SHA-256 of the required members in lexicographic order, no whitespace.
    expected = hashlib.sha256(json.dumps({"k": key, "kty": "oct"}, separators=(",", ":")).encode()).digest()
    body = f"""
      const jose = require('node-jose');
      jose.JWK.asKey({{ kty: 'oct', k: {key!r} }})
        .then((k) => k.thumbprint('SHA-256'))
        .then((t) => callback(null, jose.util.base64url.encode(t)), callback);"""
    assert value_of(run, body) == base64.urlsafe_b64encode(expected).rstrip(b"=").decode()


def test_crypto_js_hashes_and_round_trips_aes(run):
    body = """
      const C = require('crypto-js');
      const sealed = C.AES.encrypt('pa55word', 'k').toString();
      callback(null, { sha: C.SHA256('abc').toString(), hmac: C.HmacSHA256('abc', 'k').toString(C.enc.Hex),
                       back: C.AES.decrypt(sealed, 'k').toString(C.enc.Utf8) });"""
    assert value_of(run, body) == {
        "sha": hashlib.sha256(b"abc").hexdigest(),
        "hmac": hmac.new(b"k", b"abc", hashlib.sha256).hexdigest(),
        "back": "pa55word",
    }


def test_utility_packages(run):
    body = """
      const moment = require('moment'), validator = require('validator'), _ = require('lodash'), qs = require('qs');
      const { ObjectId } = require('bson'), bson4 = require('bson@4');
      const id = new ObjectId('5f0c3c2e9d1b2c3d4e5f6a7b');
      const bytes = bson4.serialize({ a: 1 });
      require('xml2js').parseString('<user><email>a@b.c</email></user>', (err, xml) => {
        if (err) return callback(err);
        callback(null, {
          day: moment.utc('2024-02-28').add(1, 'day').format('YYYY-MM-DD'),
          email: validator.isEmail('ann@example.com'), notEmail: validator.isEmail('nope'),
          chunk: _.chunk([1, 2, 3], 2), qs: qs.stringify({ a: { b: 1 } }, { encode: false }),
          hex: id.toHexString(), roundTrip: bson4.deserialize(bytes).a, xml: xml.user.email[0],
        });
      });"""
    assert value_of(run, body) == {
        "day": "2024-02-29",
        "email": True,
        "notEmail": False,
        "chunk": [[1, 2], [3]],
        "qs": "a[b]=1",
        "hex": "5f0c3c2e9d1b2c3d4e5f6a7b",
        "roundTrip": 1,
        "xml": "a@b.c",
    }


@pytest.mark.parametrize("spec", ["async@2", "async@3"])
def test_async_versions_and_q(run, spec):
    body = f"""
      const async = require('{spec}'), Q = require('q');
      async.waterfall([(cb) => cb(null, 1), (n, cb) => setTimeout(() => cb(null, n + 1), 1)], (err, n) => {{
        Q.nfcall((x, cb) => cb(null, x * 10), n).then((m) => callback(err, m));
      }});"""
    assert value_of(run, body) == 20


def test_bcryptjs_and_uuid(run):
    body = """
      const bcrypt = require('bcryptjs'), { v5, validate } = require('uuid');
      const hash = bcrypt.hashSync('pa55word', 4);
      callback(null, [bcrypt.compareSync('pa55word', hash), bcrypt.compareSync('nope', hash), validate(v5('x', v5.DNS))]);"""
    assert value_of(run, body) == [True, False, True]
