// Node's `crypto`, as far as password and token code uses it. Hashing, key derivation, signing and
// randomness run natively in the host behind the "crypto" bridge; this side only shapes Node's API
// and moves bytes as base64 strings.
"use strict";
const { Buffer } = require("buffer");

const call = (method, args) => bridge.call("crypto", method, args);
const b64 = (bytes) => Buffer.from(bytes).toString("base64");

function toBytes(data, encoding) {
  if (typeof data === "string") return Buffer.from(data, encoding || "utf8");
  if (data instanceof KeyObject && data.type === "secret") return data.export();
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  throw new TypeError('The "data" argument must be of type string or an instance of Buffer, TypedArray or DataView');
}
function encodeOut(base64, encoding) {
  const bytes = Buffer.from(base64, "base64");
  return encoding && encoding !== "buffer" ? bytes.toString(encoding) : bytes;
}

// Collects update() chunks; the digest itself is one bridge call.
class Digest {
  constructor(method, params) {
    this._method = method;
    this._params = params;
    this._chunks = [];
    this._done = false;
  }
  update(data, encoding) {
    if (this._done) throw new Error("Digest already called");
    this._chunks.push(toBytes(data, encoding));
    return this;
  }
  digest(encoding) {
    if (this._done) throw new Error("Digest already called");
    this._done = true;
    return encodeOut(call(this._method, { ...this._params, data: b64(Buffer.concat(this._chunks)) }), encoding);
  }
  copy() {
    const twin = new Digest(this._method, this._params);
    twin._chunks = this._chunks.slice();
    return twin;
  }
}

function createHash(algorithm) {
  return new Digest("hash", { algorithm: String(algorithm) });
}
function createHmac(algorithm, key, options) {
  return new Digest("hmac", { algorithm: String(algorithm), key: b64(toBytes(key, options && options.encoding)) });
}

// Key objects: secret keys stay here; asymmetric keys are parsed by the host, which hands back the
// key's type, details and a PEM that later sign/verify calls send again.
class KeyObject {
  constructor(type, fields) {
    this.type = type;
    Object.assign(this, fields);
  }
  export(options) {
    if (this.type === "secret") return Buffer.from(this._secret, "base64");
    if (options && options.format === "jwk") return call("exportJwk", { pem: this._pem });
    return this._pem;
  }
  equals(other) {
    return other instanceof KeyObject && this.type === other.type && (this._secret || this._pem) === (other._secret || other._pem);
  }
}
function createSecretKey(key, encoding) {
  const bytes = toBytes(key, encoding);
  return new KeyObject("secret", { _secret: b64(bytes), symmetricKeySize: bytes.length });
}
function keyInput(key) {
  if (key instanceof KeyObject) return { pem: key._pem };
  if (typeof key === "string" || ArrayBuffer.isView(key)) return { key: toBytes(key).toString("utf8") };
  if (key && typeof key === "object") {
    if (key.key instanceof KeyObject) return { pem: key.key._pem };
    return { key: typeof key.key === "string" ? key.key : toBytes(key.key).toString("utf8"), passphrase: key.passphrase, format: key.format };
  }
  throw new TypeError("Invalid key");
}
function asymmetricKey(kind, key) {
  const info = call("parseKey", { kind, ...keyInput(key) });
  return new KeyObject(info.type, { _pem: info.pem, asymmetricKeyType: info.asymmetricKeyType, asymmetricKeyDetails: info.asymmetricKeyDetails });
}
const createPrivateKey = (key) => asymmetricKey("private", key);
const createPublicKey = (key) => asymmetricKey("public", key);

function signOptions(key) {
  const options = key && typeof key === "object" && !(key instanceof KeyObject) && !ArrayBuffer.isView(key) ? key : {};
  return { padding: options.padding, saltLength: options.saltLength, dsaEncoding: options.dsaEncoding };
}
class Signer {
  constructor(algorithm, verify) {
    this._algorithm = String(algorithm);
    this._verify = verify;
    this._chunks = [];
  }
  update(data, encoding) {
    this._chunks.push(toBytes(data, encoding));
    return this;
  }
  sign(key, encoding) {
    const args = { algorithm: this._algorithm, data: b64(Buffer.concat(this._chunks)), ...keyInput(key), ...signOptions(key) };
    return encodeOut(call("sign", args), encoding);
  }
  verify(key, signature, encoding) {
    const args = {
      algorithm: this._algorithm,
      data: b64(Buffer.concat(this._chunks)),
      signature: b64(toBytes(signature, encoding)),
      ...keyInput(key),
      ...signOptions(key),
    };
    return call("verify", args);
  }
}

function pbkdf2Args(password, salt, iterations, keylen, digest) {
  return { password: b64(toBytes(password)), salt: b64(toBytes(salt)), iterations, keylen, digest: String(digest) };
}
function pbkdf2Sync(password, salt, iterations, keylen, digest) {
  return encodeOut(call("pbkdf2", pbkdf2Args(password, salt, iterations, keylen, digest)));
}
function pbkdf2(password, salt, iterations, keylen, digest, callback) {
  if (typeof digest === "function") [digest, callback] = ["sha1", digest];
  if (typeof callback !== "function") throw new TypeError('The "callback" argument must be of type function');
  const args = pbkdf2Args(password, salt, iterations, keylen, digest);
  bridge.callAsync("crypto", "pbkdf2", args, (err, value) => (err ? callback(err) : callback(null, encodeOut(value))));
}

function randomBytes(size, callback) {
  const bytes = encodeOut(call("randomBytes", { size }));
  if (typeof callback === "function") {
    queueMicrotask(() => callback(null, bytes));
    return undefined;
  }
  return bytes;
}
function randomFillSync(target, offset = 0, size) {
  const view = Buffer.from(target.buffer, target.byteOffset, target.byteLength);
  const length = size === undefined ? view.length - offset : size;
  randomBytes(length).copy(view, offset);
  return target;
}
function randomInt(min, max) {
  if (max === undefined) [min, max] = [0, min];
  const range = max - min;
  if (!Number.isSafeInteger(range) || range <= 0 || range > 2 ** 48) throw new RangeError("randomInt range is not valid");
  return min + Math.floor((randomBytes(6).readUIntBE(0, 6) / 2 ** 48) * range);
}

function scryptArgs(password, salt, keylen, options) {
  return { password: b64(toBytes(password)), salt: b64(toBytes(salt)), keylen, options: options || {} };
}
function scryptSync(password, salt, keylen, options) {
  return encodeOut(call("scrypt", scryptArgs(password, salt, keylen, options)));
}
function scrypt(password, salt, keylen, options, callback) {
  if (typeof options === "function") [options, callback] = [{}, options];
  if (typeof callback !== "function") throw new TypeError('The "callback" argument must be of type function');
  bridge.callAsync("crypto", "scrypt", scryptArgs(password, salt, keylen, options), (err, value) => (err ? callback(err) : callback(null, encodeOut(value))));
}

function publicEncrypt(key, buffer) {
  const options = key && typeof key === "object" && !ArrayBuffer.isView(key) && !(key instanceof KeyObject) ? key : { key };
  const pem = options.key instanceof KeyObject ? options.key._pem : asymmetricKey("public", options.key)._pem;
  return encodeOut(call("publicEncrypt", { pem, padding: options.padding, oaepHash: options.oaepHash, data: b64(toBytes(buffer)) }));
}

// Web Crypto, as far as drivers use it (pg's SCRAM: digest, HMAC sign, PBKDF2 deriveBits).
const toBuffer = (data) => (typeof data === "string" ? Buffer.from(data) : toBytes(data));
const hashName = (hash) => String(hash && typeof hash === "object" ? hash.name : hash).toLowerCase().replace("-", "");
const arrayBuffer = (bytes) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
class CryptoKey {
  constructor(algorithm, raw, usages) {
    this.type = "secret";
    this.algorithm = algorithm;
    this.extractable = false;
    this.usages = usages;
    this._raw = raw;
  }
}
const subtle = {
  async digest(algorithm, data) {
    return arrayBuffer(createHash(hashName(algorithm)).update(toBuffer(data)).digest());
  },
  async importKey(format, keyData, algorithm, extractable, usages) {
    if (format !== "raw") throw new Error(`importKey: only the raw format is available in the sandbox`);
    const alg = typeof algorithm === "string" ? { name: algorithm } : { ...algorithm };
    return new CryptoKey(alg, Buffer.from(toBuffer(keyData)), usages || []);
  },
  async sign(algorithm, key, data) {
    const name = String(typeof algorithm === "string" ? algorithm : algorithm.name).toUpperCase();
    if (name !== "HMAC") throw new Error(`sign: ${name} is not available in the sandbox`);
    return arrayBuffer(createHmac(hashName(key.algorithm.hash), key._raw).update(toBuffer(data)).digest());
  },
  async verify(algorithm, key, signature, data) {
    const expected = Buffer.from(await subtle.sign(algorithm, key, data));
    const given = toBuffer(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  },
  deriveBits(algorithm, key, length) {
    if (String(algorithm.name).toUpperCase() !== "PBKDF2") return Promise.reject(new Error(`deriveBits: ${algorithm.name} is not available in the sandbox`));
    return new Promise((resolve, reject) =>
      pbkdf2(key._raw, toBuffer(algorithm.salt), algorithm.iterations, length / 8, hashName(algorithm.hash), (err, bits) => (err ? reject(err) : resolve(arrayBuffer(bits)))),
    );
  },
};
const webcrypto = { subtle, getRandomValues: (array) => randomFillSync(array), randomUUID: () => call("randomUUID", {}), CryptoKey };

function timingSafeEqual(a, b) {
  return call("timingSafeEqual", { a: b64(toBytes(a)), b: b64(toBytes(b)) });
}

module.exports = {
  createHash,
  createHmac,
  createSign: (algorithm) => new Signer(algorithm, false),
  createVerify: (algorithm) => new Signer(algorithm, true),
  createSecretKey,
  createPrivateKey,
  createPublicKey,
  KeyObject,
  pbkdf2,
  pbkdf2Sync,
  randomBytes,
  randomFillSync,
  randomInt,
  randomUUID: () => call("randomUUID", {}),
  getRandomValues: (array) => randomFillSync(array),
  timingSafeEqual,
  scrypt,
  scryptSync,
  publicEncrypt,
  webcrypto,
  subtle,
  getHashes: () => ["md5", "sha1", "sha256", "sha384", "sha512"],
  constants: { RSA_PKCS1_PADDING: 1, RSA_PKCS1_OAEP_PADDING: 4, RSA_PKCS1_PSS_PADDING: 6, RSA_PSS_SALTLEN_DIGEST: -1, RSA_PSS_SALTLEN_AUTO: -2 },
};
