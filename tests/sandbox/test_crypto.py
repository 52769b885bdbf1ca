"""`crypto` inside the isolates against a second, independent implementation (Python's `cryptography`
and hashlib): what a script encrypts, signs or derives, the host's Python reads back, and the other way
round. Ciphers (AES-CBC/CTR/GCM with auth tags), signatures, RSA encryption, key pairs, scrypt,
timingSafeEqual and the Web Crypto basics."""

import base64
import hashlib
import hmac
import json
import os

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

pytestmark = pytest.mark.scriptd


def ok(outcome):
    assert outcome.status == "ok", outcome.result
    return outcome.value


def script(body: str, arg) -> str:
    """A login whose body sees `a` (the JSON argument) and `crypto`, and answers with what it returns."""
    return f"""async function login(e, p, cb) {{
      const crypto = require('crypto');
      const a = {json.dumps(arg)};
      const hex = (s) => Buffer.from(s, 'hex');
      try {{ cb(null, await (async () => {{ {body} }})()); }} catch (err) {{ cb(null, {{ error: err.message, code: err.code, name: err.name }}); }}
    }}"""


@pytest.fixture(scope="module")
def rsa_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return key, private, public


def test_aes_gcm_with_aad_and_auth_tag_both_ways(run):
    key, iv, aad = os.urandom(32), os.urandom(12), b"header"
    text = "pässwörd ünïcode " * 5
    body = """
      const c = crypto.createCipheriv('aes-256-gcm', hex(a.key), hex(a.iv));
      c.setAAD(Buffer.from(a.aad));
      const out = Buffer.concat([c.update(a.text, 'utf8'), c.final()]);
      return { out: out.toString('hex'), tag: c.getAuthTag().toString('hex') };
    """
    arg = {"key": key.hex(), "iv": iv.hex(), "aad": aad.decode(), "text": text}
    value = ok(run(script(body, arg)))
    plain = AESGCM(key).decrypt(iv, bytes.fromhex(value["out"]) + bytes.fromhex(value["tag"]), aad)
    assert plain.decode() == text

    sealed = AESGCM(key).encrypt(iv, text.encode(), aad)
    body = """
      const d = crypto.createDecipheriv('aes-256-gcm', hex(a.key), hex(a.iv));
      d.setAAD(Buffer.from(a.aad));
      d.setAuthTag(hex(a.tag));
      // split mid-character: the decoder keeps the partial character for the next piece
      const data = hex(a.data);
      return d.update(data.subarray(0, 1), undefined, 'utf8') + d.update(data.subarray(1), undefined, 'utf8') + d.final('utf8');
    """
    arg = {"key": key.hex(), "iv": iv.hex(), "aad": aad.decode(), "data": sealed[:-16].hex(), "tag": sealed[-16:].hex()}
    assert ok(run(script(body, arg))) == text
    arg["tag"] = bytes(16).hex()  # a forged tag
    failed = ok(run(script(body, arg)))
    assert "unable to authenticate" in failed["error"]


@pytest.mark.parametrize(
    ("name", "mode", "key_len"),
    [("aes-128-cbc", modes.CBC, 16), ("aes-256-cbc", modes.CBC, 32), ("aes-256-ctr", modes.CTR, 32)],
)
def test_block_ciphers_match_an_independent_implementation(run, name, mode, key_len):
    key, iv = os.urandom(key_len), os.urandom(16)
    text = b"legacy user store secret, longer than one block " * 3
    body = """
      const c = crypto.createCipheriv(a.name, hex(a.key), hex(a.iv));
      const enc = c.update(a.text, 'utf8', 'base64') + c.final('base64');
      const d = crypto.createDecipheriv(a.name, hex(a.key), hex(a.iv));
      return { enc, back: d.update(enc, 'base64', 'utf8') + d.final('utf8') };
    """
    value = ok(run(script(body, {"name": name, "key": key.hex(), "iv": iv.hex(), "text": text.decode()})))
    encryptor = Cipher(algorithms.AES(key), mode(iv)).encryptor()
    padded = text
    if mode is modes.CBC:
        pad = 16 - len(text) % 16
        padded = text + bytes([pad]) * pad
    assert base64.b64decode(value["enc"]) == encryptor.update(padded) + encryptor.finalize()
    assert value["back"] == text.decode()


def test_a_cipher_is_a_stream_and_bad_input_fails_like_node(run):
    body = """
      const key = crypto.randomBytes(32), iv = crypto.randomBytes(16);
      const c = crypto.createCipheriv('aes-256-cbc', key, iv);
      const chunks = [];
      await new Promise((resolve, reject) => {
        c.on('data', (d) => chunks.push(d)).on('end', resolve).on('error', reject);
        c.write('one '); c.write(Buffer.from('two ')); c.end('three');
      });
      const d = crypto.createDecipheriv('aes-256-cbc', key, iv);
      const back = Buffer.concat([d.update(Buffer.concat(chunks)), d.final()]).toString();
      const errors = [];
      for (const f of [
        () => crypto.createCipheriv('aes-256-cbc', key.subarray(1), iv),
        () => crypto.createCipheriv('no-such-cipher', key, iv),
        () => { const x = crypto.createDecipheriv('aes-256-cbc', key, iv); x.update(Buffer.alloc(16)); x.final(); },
        () => { const x = crypto.createCipheriv('aes-256-cbc', key, iv); x.final(); x.update('late'); },
      ]) { try { f(); errors.push(null); } catch (err) { errors.push(err.code || err.message); } }
      const noPad = crypto.createCipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
      return { back, errors, noPad: Buffer.concat([noPad.update(Buffer.alloc(32)), noPad.final()]).length };
    """
    value = ok(run(script(body, None)))
    assert value["back"] == "one two three"
    assert value["errors"][0] == "ERR_CRYPTO_INVALID_KEYLEN"
    assert value["errors"][1] == "ERR_CRYPTO_UNKNOWN_CIPHER"
    assert value["errors"][2] and value["errors"][3] == "ERR_CRYPTO_INVALID_STATE"
    assert value["noPad"] == 32


def test_signatures_verify_on_the_other_side(run, rsa_key):
    key, private, public = rsa_key
    ours = key.sign(b"from python", padding.PKCS1v15(), hashes.SHA256())
    body = """
      const s = crypto.createSign('RSA-SHA256'); s.update('from the ').update('isolate');
      const viaStream = s.sign(a.private, 'base64');
      const oneShot = crypto.sign('sha256', Buffer.from('from the isolate'), a.private).toString('base64');
      const pss = crypto.sign('sha256', Buffer.from('pss'), { key: a.private, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
      return {
        viaStream, oneShot, pss: pss.toString('base64'),
        theirs: crypto.createVerify('sha256').update('from python').verify(a.public, a.ours, 'base64'),
        theirsOneShot: crypto.verify('sha256', Buffer.from('from python'), crypto.createPublicKey(a.public), Buffer.from(a.ours, 'base64')),
        forged: crypto.verify('sha256', Buffer.from('from pythoN'), a.public, Buffer.from(a.ours, 'base64')),
      };
    """
    arg = {"private": private, "public": public, "ours": base64.b64encode(ours).decode()}
    value = ok(run(script(body, arg)))
    pub = key.public_key()
    for field in ("viaStream", "oneShot"):
        pub.verify(base64.b64decode(value[field]), b"from the isolate", padding.PKCS1v15(), hashes.SHA256())
    pub.verify(base64.b64decode(value["pss"]), b"pss", padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    assert (value["theirs"], value["theirsOneShot"], value["forged"]) == (True, True, False)


def test_ed25519_signs_without_a_digest(run):
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    body = "return crypto.sign(null, Buffer.from('ed'), crypto.createPrivateKey(a)).toString('base64');"
    key.public_key().verify(base64.b64decode(ok(run(script(body, private)))), b"ed")


def test_public_encrypt_is_read_by_the_private_key_holder_and_back(run, rsa_key):
    key, private, public = rsa_key
    sealed_for_us = key.public_key().encrypt(
        b"to the isolate", padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None)
    )
    body = """
      return {
        // mysql2's caching_sha2_password: OAEP (Node's default padding) with the server's public key
        oaep: crypto.publicEncrypt(a.public, Buffer.from('pa55word\\0')).toString('base64'),
        pkcs1: crypto.publicEncrypt({ key: a.public, padding: crypto.constants.RSA_PKCS1_PADDING }, Buffer.from('v1')).toString('base64'),
        opened: crypto.privateDecrypt(a.private, Buffer.from(a.sealed, 'base64')).toString(),
      };
    """
    arg = {"public": public, "private": private, "sealed": base64.b64encode(sealed_for_us).decode()}
    value = ok(run(script(body, arg)))
    oaep = padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None)
    assert key.decrypt(base64.b64decode(value["oaep"]), oaep) == b"pa55word\0"
    assert key.decrypt(base64.b64decode(value["pkcs1"]), padding.PKCS1v15()) == b"v1"
    assert value["opened"] == "to the isolate"


def test_generated_key_pairs_are_real_keys(run):
    body = """
      const pem = crypto.generateKeyPairSync('rsa', { modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
      const ecPair = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const sig = crypto.sign('sha256', Buffer.from('ec'), ecPair.privateKey);
      const viaCallback = await new Promise((resolve, reject) => crypto.generateKeyPair('ed25519', {
        publicKeyEncoding: { type: 'spki', format: 'der' } }, (err, pub, priv) => err ? reject(err) : resolve([pub.length, priv.type])));
      let tooBig;
      try { crypto.generateKeyPairSync('rsa', { modulusLength: 16384 }); } catch (err) { tooBig = err.code; }
      return { pem, ec: [ecPair.publicKey.type, ecPair.privateKey.asymmetricKeyType, ecPair.publicKey.export({ type: 'spki', format: 'pem' }), sig.toString('base64')],
               viaCallback, tooBig };
    """
    value = ok(run(script(body, None), timeout_ms=20_000))
    private = serialization.load_pem_private_key(value["pem"]["privateKey"].encode(), None)
    public = serialization.load_pem_public_key(value["pem"]["publicKey"].encode())
    assert private.public_key().public_numbers() == public.public_numbers()
    assert private.key_size == 2048
    kind, curve_type, ec_public, sig = value["ec"]
    assert (kind, curve_type) == ("public", "ec")
    serialization.load_pem_public_key(ec_public.encode()).verify(
        base64.b64decode(sig), b"ec", ec.ECDSA(hashes.SHA256())
    )
    assert value["viaCallback"] == [44, "private"]  # an Ed25519 SPKI is 44 bytes
    assert value["tooBig"] == "ERR_OUT_OF_RANGE"


def test_jsonwebtoken_rs256_with_a_generated_key(run):
    body = """
      const jwt = require('jsonwebtoken');
      const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
      const token = jwt.sign({ sub: 'alice' }, privateKey, { algorithm: 'RS256' });
      let forged;
      try { jwt.verify(token.slice(0, -4) + 'AAAA', publicKey); } catch (err) { forged = err.message; }
      return { sub: jwt.verify(token, publicKey).sub, forged };
    """
    assert ok(run(script(body, None), timeout_ms=20_000)) == {"sub": "alice", "forged": "invalid signature"}


def test_scrypt_and_timing_safe_equal(run):
    body = """
      const sync = crypto.scryptSync('pw', 'salt', 32, { N: 1024 }).toString('hex');
      const async_ = await new Promise((resolve, reject) => crypto.scrypt('pw', 'salt', 32, (err, k) => err ? reject(err) : resolve(k.toString('hex'))));
      let mismatch;
      try { crypto.timingSafeEqual(Buffer.from('a'), Buffer.from('ab')); } catch (err) { mismatch = [err.name, err.code]; }
      return { sync, async_, same: crypto.timingSafeEqual(Buffer.from('abc'), Buffer.from('abc')),
               differ: crypto.timingSafeEqual(Buffer.from('abc'), Buffer.from('abd')), mismatch };
    """
    value = ok(run(script(body, None), timeout_ms=5000))
    assert value["sync"] == hashlib.scrypt(b"pw", salt=b"salt", n=1024, r=8, p=1, dklen=32).hex()
    assert value["async_"] == hashlib.scrypt(b"pw", salt=b"salt", n=16384, r=8, p=1, dklen=32).hex()
    assert (value["same"], value["differ"]) == (True, False)
    assert value["mismatch"] == ["RangeError", "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH"]


def test_webcrypto_digest_hmac_and_imported_public_keys(run, rsa_key):
    key, _, public = rsa_key
    ours = key.sign(b"jwt body", padding.PKCS1v15(), hashes.SHA256())
    ec_key = ec.generate_private_key(ec.SECP256R1())
    der = ec_key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    r, s = __import__(
        "cryptography.hazmat.primitives.asymmetric.utils", fromlist=["decode_dss_signature"]
    ).decode_dss_signature(ec_key.sign(b"es256", ec.ECDSA(hashes.SHA256())))
    ec_sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")  # Web Crypto's raw r||s form
    body = """
      const { subtle } = crypto.webcrypto;
      const hexOf = (buf) => Buffer.from(buf).toString('hex');
      const digest = hexOf(await subtle.digest('SHA-256', Buffer.from('abc')));
      const hk = await subtle.importKey('raw', Buffer.from('k3y'), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign', 'verify']);
      const mac = await subtle.sign('HMAC', hk, Buffer.from('msg'));
      const jwkKey = await subtle.importKey('jwk', await subtle.exportKey('jwk', hk), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
      const rsaKey = await subtle.importKey('jwk', crypto.createPublicKey(a.public).export({ format: 'jwk' }),
        { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
      const ecKey = await subtle.importKey('spki', Buffer.from(a.ecDer, 'base64'), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
      const es = { name: 'ECDSA', hash: 'SHA-256' };
      return {
        digest, mac: hexOf(mac),
        macOk: await subtle.verify('HMAC', jwkKey, mac, Buffer.from('msg')),
        macBad: await subtle.verify('HMAC', jwkKey, mac, Buffer.from('msG')),
        rs256: await subtle.verify('RSASSA-PKCS1-v1_5', rsaKey, Buffer.from(a.ours, 'base64'), Buffer.from('jwt body')),
        es256: await subtle.verify(es, ecKey, Buffer.from(a.ecSig, 'base64'), Buffer.from('es256')),
        es256Bad: await subtle.verify(es, ecKey, Buffer.from(a.ecSig, 'base64'), Buffer.from('es257')),
      };
    """
    arg = {
        "public": public,
        "ours": base64.b64encode(ours).decode(),
        "ecDer": base64.b64encode(der).decode(),
        "ecSig": base64.b64encode(ec_sig).decode(),
    }
    value = ok(run(script(body, arg)))
    assert "error" not in value, value
    assert value["digest"] == hashlib.sha256(b"abc").hexdigest()
    assert value["mac"] == hmac.new(b"k3y", b"msg", "sha256").hexdigest()
    assert (value["macOk"], value["macBad"]) == (True, False)
    assert (value["rs256"], value["es256"], value["es256Bad"]) == (True, True, False)


def test_crypto_calls_are_bounded(run):
    body = """
      const out = {};
      const c = crypto.createCipheriv('aes-256-ctr', Buffer.alloc(32), Buffer.alloc(16));
      try { c.update(Buffer.alloc(5 * 1024 * 1024)); } catch (err) { out.cipher = err.code; }
      // unfinished ciphers do not pile up for ever: the oldest goes, new ones still work
      for (let i = 0; i < 300; i++) crypto.createCipheriv('aes-128-cbc', Buffer.alloc(16), Buffer.alloc(16)).update('x');
      const last = crypto.createCipheriv('aes-128-cbc', Buffer.alloc(16), Buffer.alloc(16));
      out.after = Buffer.concat([last.update('x'), last.final()]).length;
      return out;
    """
    value = ok(run(script(body, None), timeout_ms=10_000))
    assert value["cipher"] == "ERR_OUT_OF_RANGE"
    assert value["after"] == 16
