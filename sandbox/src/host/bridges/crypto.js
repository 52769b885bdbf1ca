// Host side of Node's `crypto` for scripts: native hashing, HMAC, PBKDF2 (on libuv's thread pool,
// so a 1,000,000-iteration pbkdf2Sync blocks only its own isolate; sync and async calls are host work
// charged to the run's connection, ../host-work.js), signatures and randomness.
"use strict";
const crypto = require("node:crypto");
const { promisify } = require("node:util");
const { BridgeError } = require("./bridge-error");

const pbkdf2 = promisify(crypto.pbkdf2);
const HASHES = new Set(["md5", "sha1", "sha224", "sha256", "sha384", "sha512"]);
// Limits that keep one call from monopolising the host: generous for real password schemes (the
// PBKDF2 hashes of real user stores use at most 1,000,000 iterations).
const MAX_ITERATIONS = 2_000_000;
const MAX_KEYLEN = 1024;
const MAX_RANDOM = 65536;

function fail(message, name = "Error", code) {
  throw new BridgeError(message, { name, code });
}
function digestName(value) {
  const name = String(value).toLowerCase().replace(/^rsa-/, "");
  if (!HASHES.has(name)) fail(`Digest method not supported: ${value}`, "Error", "ERR_CRYPTO_INVALID_DIGEST");
  return name;
}
const bytes = (b64) => Buffer.from(String(b64 ?? ""), "base64");

function keyFrom(args, kind) {
  try {
    if (args.pem) return kind === "private" ? crypto.createPrivateKey(args.pem) : crypto.createPublicKey(args.pem);
    const input = { key: String(args.key), passphrase: args.passphrase, format: args.format === "der" ? "pem" : args.format };
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
      return crypto.sign(digestName(args.algorithm), bytes(args.data), signOptions(args, key)).toString("base64");
    } catch (e) {
      fail(e.message, "Error", e.code);
    }
  },
  verify(args) {
    const key = keyFrom(args, "public");
    try {
      return crypto.verify(digestName(args.algorithm), bytes(args.data), signOptions(args, key), bytes(args.signature));
    } catch (e) {
      fail(e.message, "Error", e.code);
    }
  },
};

module.exports = { methods, MAX_ITERATIONS };
