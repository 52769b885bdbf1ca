// Host side of Node's `crypto` for scripts: native hashing, HMAC, PBKDF2 (on libuv's thread pool,
// so a 1,000,000-iteration pbkdf2Sync blocks only its own isolate; sync and async calls are host work
// charged to the run's connection, ../host-work.js), ciphers, signatures, RSA encryption, key pairs
// and randomness. Everything crosses as JSON with base64 bytes, each call bounded in size.
"use strict";
const crypto = require("node:crypto");
const { promisify } = require("node:util");
const { BridgeError } = require("./bridge-error");
const bcrypt = require("bcrypt");

const pbkdf2 = promisify(crypto.pbkdf2);
const scrypt = promisify(crypto.scrypt);
const HASHES = new Set(["md5", "sha1", "sha224", "sha256", "sha384", "sha512"]);
// Limits that keep one call from monopolising the host: generous for real password schemes (the
// PBKDF2 hashes of real user stores use at most 1,000,000 iterations).
const MAX_ITERATIONS = 2_000_000;
const MAX_KEYLEN = 1024;
const MAX_RANDOM = 65536;
// Bytes one call may carry (a cipher update, a message to sign), and unfinished ciphers per isolate.
const MAX_DATA = 4 * 1024 * 1024;
const MAX_OPEN_CIPHERS = 256;
const MAX_MODULUS_BITS = 4096;
// A cost past this keeps a pool thread busy for minutes (cost 16 is already ~4 s).
const MAX_BCRYPT_ROUNDS = 16;

function fail(message, name = "Error", code) {
  throw new BridgeError(message, { name, code });
}
function digestName(value) {
  const name = String(value).toLowerCase().replace(/^rsa-/, "");
  if (!HASHES.has(name)) fail(`Digest method not supported: ${value}`, "Error", "ERR_CRYPTO_INVALID_DIGEST");
  return name;
}
const bytes = (b64) => Buffer.from(String(b64 ?? ""), "base64");

function data(b64) {
  const out = bytes(b64);
  if (out.length > MAX_DATA) fail(`The sandbox handles at most ${MAX_DATA} bytes per crypto call`, "RangeError", "ERR_OUT_OF_RANGE");
  return out;
}

function keyFrom(args, kind) {
  try {
    if (args.pem) return kind === "private" ? crypto.createPrivateKey(args.pem) : crypto.createPublicKey(args.pem);
    const jwk = args.format === "jwk" && args.key && typeof args.key === "object";
    const input = jwk ? { key: args.key, format: "jwk" } : { key: String(args.key), passphrase: args.passphrase, format: args.format === "der" ? "pem" : args.format };
    return kind === "private" ? crypto.createPrivateKey(input) : crypto.createPublicKey(input);
  } catch (e) {
    fail(e.message, "Error", e.code);
  }
}
function describeKey(key) {
  const details = {};
  for (const [k, v] of Object.entries(key.asymmetricKeyDetails || {})) details[k] = typeof v === "bigint" ? Number(v) : v;
  const pem = key.type === "private" ? key.export({ type: "pkcs8", format: "pem" }) : key.export({ type: "spki", format: "pem" });
  return { type: key.type, asymmetricKeyType: key.asymmetricKeyType, asymmetricKeyDetails: details, pem };
}
// RSA encryption both ways (publicEncrypt for mysql2's caching_sha2_password over a plain connection).
function rsa(fn, kind) {
  return ({ pem, padding, oaepHash, data: input }) => {
    try {
      const key = kind === "private" ? crypto.createPrivateKey(String(pem)) : crypto.createPublicKey(String(pem));
      const options = { key, padding: padding === undefined ? undefined : Number(padding), oaepHash: typeof oaepHash === "string" ? oaepHash : undefined };
      return fn(options, data(input)).toString("base64");
    } catch (e) {
      fail(e.message, "Error", e.code);
    }
  };
}

// Ciphers keep their state here between update() calls: one table per isolate, emptied when the
// cipher finishes and when the isolate goes.
function cipherOf(state, id) {
  const cipher = state.ciphers.get(Number(id));
  if (!cipher) fail("This cipher is finished", "Error", "ERR_CRYPTO_INVALID_STATE");
  return cipher;
}
function cryptoCall(fn) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BridgeError) throw e;
    fail(e.message, e instanceof RangeError ? "RangeError" : e instanceof TypeError ? "TypeError" : "Error", e.code);
  }
}

// Key pair options a script may pass: sizes bounded, encodings limited to PEM/DER/JWK strings.
function keyPairOptions(type, o) {
  const options = {};
  if (["rsa", "rsa-pss"].includes(type)) {
    const bits = Number(o.modulusLength);
    if (!Number.isInteger(bits) || bits < 512 || bits > MAX_MODULUS_BITS) fail(`modulusLength must be an integer from 512 to ${MAX_MODULUS_BITS}`, "RangeError", "ERR_OUT_OF_RANGE");
    options.modulusLength = bits;
    if (Number.isInteger(o.publicExponent)) options.publicExponent = o.publicExponent;
    for (const k of ["hashAlgorithm", "mgf1HashAlgorithm"]) if (typeof o[k] === "string") options[k] = o[k];
    if (Number.isInteger(o.saltLength)) options.saltLength = o.saltLength;
  } else if (type === "ec") {
    options.namedCurve = String(o.namedCurve);
  } else if (!["ed25519", "ed448", "x25519", "x448"].includes(type)) {
    fail(`The sandbox does not generate ${type} keys`, "Error", "ERR_INVALID_ARG_VALUE");
  }
  return options;
}
function exported(key, encoding, fallbackType) {
  if (!encoding || typeof encoding !== "object") return { pem: describeKey(key).pem, keyObject: true };
  const format = ["pem", "der", "jwk"].includes(encoding.format) ? encoding.format : "pem";
  const options = { format, type: typeof encoding.type === "string" ? encoding.type : fallbackType };
  if (typeof encoding.cipher === "string" && typeof encoding.passphrase === "string") Object.assign(options, { cipher: encoding.cipher, passphrase: encoding.passphrase });
  const out = key.export(options);
  if (format === "der") return { der: out.toString("base64") };
  return format === "jwk" ? { jwk: out } : { text: out };
}

function signOptions(args, key) {
  const options = { key };
  if (args.padding !== undefined) options.padding = Number(args.padding);
  if (args.saltLength !== undefined) options.saltLength = Number(args.saltLength);
  if (args.dsaEncoding !== undefined) options.dsaEncoding = String(args.dsaEncoding);
  return options;
}

const methods = {
  hash: ({ algorithm, data }) => crypto.createHash(digestName(algorithm)).update(bytes(data)).digest("base64"),
  hmac: ({ algorithm, key, data }) => crypto.createHmac(digestName(algorithm), bytes(key)).update(bytes(data)).digest("base64"),
  async pbkdf2({ password, salt, iterations, keylen, digest }, state, { work }) {
    if (!Number.isInteger(iterations) || iterations < 1) {
      fail(`The value of "iterations" is out of range. It must be an integer >= 1. Received ${iterations}`, "RangeError", "ERR_OUT_OF_RANGE");
    }
    if (iterations > MAX_ITERATIONS) {
      fail(
        `The value of "iterations" is out of range. The sandbox allows at most ${MAX_ITERATIONS} PBKDF2 iterations per call. Received ${iterations}`,
        "RangeError",
        "ERR_OUT_OF_RANGE",
      );
    }
    if (!Number.isInteger(keylen) || keylen < 0 || keylen > MAX_KEYLEN) {
      fail(`keylen must be an integer from 0 to ${MAX_KEYLEN}`, "RangeError", "ERR_OUT_OF_RANGE");
    }
    const name = digestName(digest);
    const [pw, saltBytes] = [bytes(password), bytes(salt)];
    return (await work.run(() => pbkdf2(pw, saltBytes, iterations, keylen, name))).toString("base64");
  },
  // Node's own limits apply (maxmem 32 MB by default); runs on the thread pool like pbkdf2.
  async scrypt({ password, salt, keylen, options }, _state, { work }) {
    if (!Number.isInteger(keylen) || keylen < 0 || keylen > MAX_KEYLEN) fail(`keylen must be an integer from 0 to ${MAX_KEYLEN}`, "RangeError", "ERR_OUT_OF_RANGE");
    const o = options && typeof options === "object" ? options : {};
    const opts = {};
    for (const k of ["N", "r", "p", "cost", "blockSize", "parallelization"]) if (Number.isInteger(o[k])) opts[k] = o[k];
    opts.maxmem = Math.min(Number(o.maxmem) || 32 * 1024 * 1024, 64 * 1024 * 1024);
    const [pw, saltBytes] = [bytes(password), bytes(salt)];
    try {
      return (await work.run(() => scrypt(pw, saltBytes, keylen, opts))).toString("base64");
    } catch (e) {
      fail(e.message, e instanceof RangeError ? "RangeError" : "Error", e.code);
    }
  },
  publicEncrypt: rsa(crypto.publicEncrypt, "public"),
  publicDecrypt: rsa(crypto.publicDecrypt, "public"),
  privateEncrypt: rsa(crypto.privateEncrypt, "private"),
  privateDecrypt: rsa(crypto.privateDecrypt, "private"),
  // { id, decipher, algorithm, key, iv, authTagLength, aad?, aadOptions?, autoPadding? } -> null
  cipherOpen(args, state) {
    const id = Number(args.id);
    if (!Number.isSafeInteger(id) || id < 1 || state.ciphers.has(id)) fail("Invalid cipher id", "TypeError");
    // A script that never finishes its ciphers loses its oldest one, not the use of ciphers.
    if (state.ciphers.size >= MAX_OPEN_CIPHERS) state.ciphers.delete(state.ciphers.keys().next().value);
    const options = Number.isInteger(args.authTagLength) ? { authTagLength: args.authTagLength } : undefined;
    const iv = args.iv === null ? null : bytes(args.iv);
    const make = args.decipher ? crypto.createDecipheriv : crypto.createCipheriv;
    state.ciphers.set(id, cryptoCall(() => make(String(args.algorithm), bytes(args.key), iv, options)));
    return null;
  },
  cipherSet({ id, aad, plaintextLength, authTag, autoPadding }, state) {
    const cipher = cipherOf(state, id);
    return cryptoCall(() => {
      if (aad !== undefined) cipher.setAAD(data(aad), Number.isInteger(plaintextLength) ? { plaintextLength } : undefined);
      if (authTag !== undefined) cipher.setAuthTag(bytes(authTag));
      if (autoPadding !== undefined) cipher.setAutoPadding(autoPadding !== false);
      return null;
    });
  },
  cipherUpdate: ({ id, data: input }, state) => cryptoCall(() => cipherOf(state, id).update(data(input)).toString("base64")),
  // -> { data, authTag? }; the cipher is gone afterwards, whatever the outcome.
  cipherFinal({ id }, state) {
    const cipher = cipherOf(state, id);
    state.ciphers.delete(Number(id));
    return cryptoCall(() => {
      const out = { data: cipher.final().toString("base64") };
      if (typeof cipher.getAuthTag === "function") {
        try {
          out.authTag = cipher.getAuthTag().toString("base64");
        } catch {
          // not an AEAD mode
        }
      }
      return out;
    });
  },
  cipherDrop({ id }, state) {
    state.ciphers.delete(Number(id));
    return null;
  },
  getCiphers: () => crypto.getCiphers(),
  // { type, options, publicKeyEncoding?, privateKeyEncoding? } -> { publicKey, privateKey } as
  // { pem, keyObject } (the isolate makes KeyObjects), { text }, { der } or { jwk }. RSA generation
  // takes up to seconds: host work, charged like pbkdf2.
  async generateKeyPair({ type, options, publicKeyEncoding, privateKeyEncoding }, _state, { work }) {
    const kind = String(type);
    const o = options && typeof options === "object" ? options : {};
    const generate = promisify(crypto.generateKeyPair);
    const pairOptions = keyPairOptions(kind, o);
    const { publicKey, privateKey } = await work.run(() => generate(kind, pairOptions)).catch((e) => {
      if (e instanceof BridgeError) throw e;
      fail(e.message, "Error", e.code);
    });
    return cryptoCall(() => ({
      publicKey: exported(publicKey, publicKeyEncoding, "spki"),
      privateKey: exported(privateKey, privateKeyEncoding, "pkcs8"),
    }));
  },
  // Native bcrypt (the `bcrypt` package) on libuv's thread pool, queued and charged to the run's
  // connection like pbkdf2 (../host-work.js). `data` is a string, or base64 when the script passed a Buffer.
  bcryptGenSalt({ rounds, minor }, _state, { work }) {
    return work.run(() => bcrypt.genSalt(bcryptRounds(rounds), minor === "a" ? "a" : "b")).catch(bcryptError);
  },
  bcryptHash({ data, dataBase64, salt }, _state, { work }) {
    const input = dataBase64 === undefined ? data : bytes(dataBase64);
    const saltOrRounds = typeof salt === "number" ? bcryptRounds(salt) : salt;
    if (typeof saltOrRounds === "string" && bcryptRoundsOf(saltOrRounds) > MAX_BCRYPT_ROUNDS) bcryptRounds(bcryptRoundsOf(saltOrRounds));
    return work.run(() => bcrypt.hash(input, saltOrRounds)).catch(bcryptError);
  },
  bcryptCompare({ data, dataBase64, hash }, _state, { work }) {
    const input = dataBase64 === undefined ? data : bytes(dataBase64);
    if (typeof hash === "string" && bcryptRoundsOf(hash) > MAX_BCRYPT_ROUNDS) return false;
    return work.run(() => bcrypt.compare(input, hash)).catch(bcryptError);
  },
  randomBytes({ size }) {
    if (!Number.isInteger(size) || size < 0 || size > MAX_RANDOM) fail(`size must be an integer from 0 to ${MAX_RANDOM}`, "RangeError", "ERR_OUT_OF_RANGE");
    return crypto.randomBytes(size).toString("base64");
  },
  randomUUID: () => crypto.randomUUID(),
  timingSafeEqual({ a, b }) {
    const left = bytes(a);
    const right = bytes(b);
    if (left.length !== right.length) fail("Input buffers must have the same byte length", "RangeError", "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH");
    return crypto.timingSafeEqual(left, right);
  },
  parseKey: (args) => describeKey(keyFrom(args, args.kind === "private" ? "private" : "public")),
  exportJwk: ({ pem }) => keyFrom({ pem }, /PRIVATE/.test(String(pem)) ? "private" : "public").export({ format: "jwk" }),
  sign(args) {
    const key = keyFrom(args, "private");
    try {
      return crypto.sign(signDigest(args.algorithm), data(args.data), signOptions(args, key)).toString("base64");
    } catch (e) {
      fail(e.message, "Error", e.code);
    }
  },
  verify(args) {
    const key = keyFrom(args, "public");
    try {
      return crypto.verify(signDigest(args.algorithm), data(args.data), signOptions(args, key), bytes(args.signature));
    } catch (e) {
      fail(e.message, "Error", e.code);
    }
  },
};

// Ed25519/Ed448 sign without a digest (null); the rest name one.
const signDigest = (algorithm) => (algorithm === null || algorithm === undefined ? null : digestName(algorithm));

function bcryptRounds(rounds) {
  const n = rounds === undefined || rounds === null ? 10 : Number(rounds);
  if (!Number.isInteger(n)) fail("rounds must be a number", "Error");
  if (n > MAX_BCRYPT_ROUNDS) fail(`The sandbox allows bcrypt costs up to ${MAX_BCRYPT_ROUNDS}; got ${n}`, "RangeError", "ERR_OUT_OF_RANGE");
  return n;
}
const bcryptRoundsOf = (hash) => Number((/^\$2[abxy]?\$(\d\d)\$/.exec(hash) || [])[1] || 0);
// The package's own messages ("data and salt arguments required", "Invalid salt. Salt must be in the form of: ...").
function bcryptError(e) {
  if (e instanceof BridgeError) throw e;
  throw new BridgeError(String((e && e.message) || e), { name: "Error" });
}

module.exports = { methods, MAX_ITERATIONS, open: () => ({ ciphers: new Map() }), close: (state) => state.ciphers.clear() };
