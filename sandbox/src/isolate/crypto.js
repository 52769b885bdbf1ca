// Node's `crypto`, as far as password, token and driver code uses it. Hashing, key derivation,
// ciphers, signing, RSA encryption, key generation and randomness run natively in the host behind the
// "crypto" bridge; this side only shapes Node's API and moves bytes as base64 strings.
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
    if (key.format === "jwk") return { key: key.key, format: "jwk" };
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

// RSA encryption: publicEncrypt (mysql2's caching_sha2_password over a plain connection) and its kin.
function rsaCall(method, kind) {
  return (key, buffer) => {
    const options = key && typeof key === "object" && !ArrayBuffer.isView(key) && !(key instanceof KeyObject) ? key : { key };
    const pem = options.key instanceof KeyObject ? options.key._pem : asymmetricKey(kind, { ...options, padding: undefined })._pem;
    return encodeOut(call(method, { pem, padding: options.padding, oaepHash: options.oaepHash, data: b64(toBytes(buffer)) }));
  };
}
const publicEncrypt = rsaCall("publicEncrypt", "public");

// One-shot signatures; `algorithm` is null or undefined for Ed25519.
function sign(algorithm, data, key, callback) {
  const args = { algorithm: algorithm == null ? null : String(algorithm), data: b64(toBytes(data)), ...keyInput(key), ...signOptions(key) };
  const signature = encodeOut(call("sign", args));
  if (typeof callback !== "function") return signature;
  queueMicrotask(() => callback(null, signature));
  return undefined;
}
function verify(algorithm, data, key, signature, callback) {
  const args = { algorithm: algorithm == null ? null : String(algorithm), data: b64(toBytes(data)), signature: b64(toBytes(signature)), ...keyInput(key), ...signOptions(key) };
  const valid = call("verify", args);
  if (typeof callback !== "function") return valid;
  queueMicrotask(() => callback(null, valid));
  return undefined;
}

// Ciphers: the host keeps each one's state (bridges/crypto.js), this side is Node's Cipher, a
// Transform stream with update/final. Output strings go through a StringDecoder, as in Node, so a
// character split across update() calls comes out whole.
const invalidState = (message) => Object.assign(new Error(message), { code: "ERR_CRYPTO_INVALID_STATE" });
let nextCipherId = 1;
let CipherClass = null;
function cipherClass() {
  if (CipherClass) return CipherClass;
  const { Transform } = require("stream");
  const { StringDecoder } = require("string_decoder");
  CipherClass = class Cipheriv extends Transform {
    constructor(decipher, algorithm, key, iv, options) {
      super(options);
      this._id = nextCipherId++;
      this._decipher = decipher;
      this._finished = false;
      this._authTag = null;
      this._decoder = null;
      const ivBytes = iv === null ? null : b64(toBytes(iv));
      const authTagLength = options && Number.isInteger(options.authTagLength) ? options.authTagLength : undefined;
      call("cipherOpen", { id: this._id, decipher, algorithm: String(algorithm), key: b64(toBytes(key)), iv: ivBytes, authTagLength });
    }
    _out(base64, encoding, last) {
      const bytes = Buffer.from(base64, "base64");
      if (!encoding || encoding === "buffer") return bytes;
      if (!this._decoder) this._decoder = new StringDecoder(encoding);
      return last ? this._decoder.end(bytes) : this._decoder.write(bytes);
    }
    update(data, inputEncoding, outputEncoding) {
      if (this._finished) throw invalidState("Unsupported state");
      return this._out(call("cipherUpdate", { id: this._id, data: b64(toBytes(data, inputEncoding)) }), outputEncoding, false);
    }
    final(outputEncoding) {
      if (this._finished) throw invalidState("Unsupported state");
      this._finished = true;
      const { data, authTag } = call("cipherFinal", { id: this._id });
      if (authTag) this._authTag = Buffer.from(authTag, "base64");
      return this._out(data, outputEncoding, true);
    }
    _set(fields) {
      if (this._finished) throw invalidState("Unsupported state");
      call("cipherSet", { id: this._id, ...fields });
      return this;
    }
    setAAD(buffer, options) {
      return this._set({ aad: b64(toBytes(buffer)), plaintextLength: options && options.plaintextLength });
    }
    setAuthTag(tag) {
      if (!this._decipher) throw invalidState("Invalid state for operation setAuthTag");
      return this._set({ authTag: b64(toBytes(tag)) });
    }
    setAutoPadding(autoPadding = true) {
      return this._set({ autoPadding: autoPadding !== false });
    }
    getAuthTag() {
      if (this._decipher || !this._authTag) throw invalidState("Invalid state for operation getAuthTag");
      return this._authTag;
    }
    _transform(chunk, encoding, callback) {
      try {
        this.push(this.update(chunk, encoding));
        callback();
      } catch (e) {
        callback(e);
      }
    }
    _flush(callback) {
      try {
        this.push(this.final());
        callback();
      } catch (e) {
        callback(e);
      }
    }
  };
  return CipherClass;
}
const createCipheriv = (algorithm, key, iv, options) => new (cipherClass())(false, algorithm, key, iv, options);
const createDecipheriv = (algorithm, key, iv, options) => new (cipherClass())(true, algorithm, key, iv, options);

// Key pairs: generated by the host (RSA is host work, charged like pbkdf2). Without encodings the
// halves are KeyObjects, as in Node.
function keyPairArgs(type, options) {
  const o = options && typeof options === "object" ? options : {};
  const { publicKeyEncoding, privateKeyEncoding, ...rest } = o;
  return { type: String(type), options: { ...rest, hashAlgorithm: rest.hashAlgorithm || rest.hash, mgf1HashAlgorithm: rest.mgf1HashAlgorithm || rest.mgf1Hash }, publicKeyEncoding, privateKeyEncoding };
}
function keyPairHalf(out, kind) {
  if (out.keyObject) return asymmetricKey(kind, out.pem);
  if (out.der !== undefined) return Buffer.from(out.der, "base64");
  return out.jwk !== undefined ? out.jwk : out.text;
}
const keyPair = (out) => ({ publicKey: keyPairHalf(out.publicKey, "public"), privateKey: keyPairHalf(out.privateKey, "private") });
function generateKeyPairSync(type, options) {
  return keyPair(call("generateKeyPair", keyPairArgs(type, options)));
}
function generateKeyPair(type, options, callback) {
  if (typeof options === "function") [options, callback] = [undefined, options];
  if (typeof callback !== "function") throw new TypeError('The "callback" argument must be of type function');
  bridge.callAsync("crypto", "generateKeyPair", keyPairArgs(type, options), (err, value) => {
    if (err) return callback(err);
    let pair;
    try {
      pair = keyPair(value);
    } catch (e) {
      return callback(e);
    }
    callback(null, pair.publicKey, pair.privateKey);
  });
}

// Web Crypto, as far as drivers and token libraries use it: digest; HMAC and PBKDF2 keys (raw or
// JWK); RSASSA-PKCS1-v1_5, RSA-PSS and ECDSA keys (spki, pkcs8 or JWK) for sign/verify; PBKDF2 deriveBits.
const toBuffer = (data) => (typeof data === "string" ? Buffer.from(data) : toBytes(data));
const hashName = (hash) => String(hash && typeof hash === "object" ? hash.name : hash).toLowerCase().replace("-", "");
const arrayBuffer = (bytes) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
const algorithmName = (algorithm) => String(typeof algorithm === "string" ? algorithm : algorithm && algorithm.name).toUpperCase();
const notSupported = (what) => Object.assign(new Error(`${what} is not available in the sandbox`), { name: "NotSupportedError" });
const ASYMMETRIC = ["RSASSA-PKCS1-V1_5", "RSA-PSS", "ECDSA"];
// As Web Crypto normalises it: `hash` an object ({ name: "SHA-256" }), which token libraries read as
// key.algorithm.hash.name (jose 6 checks it against the token's alg).
function normalizedAlgorithm(algorithm) {
  const alg = typeof algorithm === "string" ? { name: algorithm } : { ...algorithm };
  if (typeof alg.hash === "string") alg.hash = { name: alg.hash.toUpperCase() };
  else if (alg.hash && typeof alg.hash === "object") alg.hash = { name: String(alg.hash.name).toUpperCase() };
  return alg;
}
class CryptoKey {
  constructor(type, algorithm, extractable, usages, fields) {
    this.type = type;
    this.algorithm = algorithm;
    this.extractable = Boolean(extractable);
    this.usages = usages || [];
    Object.assign(this, fields);
  }
}
// The Node-style signing arguments for a Web Crypto algorithm and key.
function subtleSignArgs(algorithm, key) {
  const name = algorithmName(algorithm);
  if (!ASYMMETRIC.includes(name) || !key._pem) throw notSupported(`sign/verify with ${name}`);
  const args = { pem: key._pem, algorithm: hashName(name === "ECDSA" ? algorithm.hash : key.algorithm.hash) };
  if (name === "RSA-PSS") Object.assign(args, { padding: 6, saltLength: algorithm.saltLength });
  if (name === "ECDSA") args.dsaEncoding = "ieee-p1363";
  return args;
}
const subtle = {
  async digest(algorithm, data) {
    return arrayBuffer(createHash(hashName(algorithm)).update(toBuffer(data)).digest());
  },
  async importKey(format, keyData, algorithm, extractable, usages) {
    const alg = normalizedAlgorithm(algorithm);
    const name = algorithmName(alg);
    if (["HMAC", "PBKDF2", "AES-GCM", "AES-CBC", "AES-CTR"].includes(name)) {
      let raw;
      if (format === "raw") raw = Buffer.from(toBuffer(keyData));
      else if (format === "jwk" && keyData && keyData.kty === "oct") raw = Buffer.from(String(keyData.k).replace(/-/g, "+").replace(/_/g, "/"), "base64");
      else throw notSupported(`importKey(${format}) for ${name}`);
      // As Web Crypto: an HMAC key's algorithm states its length in bits (the key's, when not given).
      if (name === "HMAC" && alg.length === undefined) alg.length = raw.length * 8;
      return new CryptoKey("secret", alg, extractable, usages, { _raw: raw });
    }
    if (!ASYMMETRIC.includes(name)) throw notSupported(`importKey for ${name}`);
    const input = format === "jwk" ? { key: keyData, format: "jwk" } : { key: toBuffer(keyData), format: "der", type: format };
    const isPrivate = format === "pkcs8" || (format === "jwk" && keyData && keyData.d !== undefined);
    const info = call("parseKey", { kind: isPrivate ? "private" : "public", ...(format === "jwk" ? input : { key: derToPem(input.key, format), format: "pem" }) });
    return new CryptoKey(info.type, alg, extractable, usages, { _pem: info.pem });
  },
  async exportKey(format, key) {
    if (!key.extractable) throw Object.assign(new Error("key is not extractable"), { name: "InvalidAccessError" });
    if (key.type === "secret") {
      if (format === "raw") return arrayBuffer(key._raw);
      if (format === "jwk") return { kty: "oct", k: key._raw.toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""), ext: true, key_ops: key.usages };
    } else if (format === "jwk") return call("exportJwk", { pem: key._pem });
    throw notSupported(`exportKey(${format})`);
  },
  async sign(algorithm, key, data) {
    const name = algorithmName(algorithm);
    if (name === "HMAC") return arrayBuffer(createHmac(hashName(key.algorithm.hash), key._raw).update(toBuffer(data)).digest());
    return arrayBuffer(encodeOut(call("sign", { ...subtleSignArgs(algorithm, key), data: b64(toBuffer(data)) })));
  },
  async verify(algorithm, key, signature, data) {
    const name = algorithmName(algorithm);
    if (name === "HMAC") {
      const expected = Buffer.from(await subtle.sign(algorithm, key, data));
      const given = toBuffer(signature);
      return expected.length === given.length && timingSafeEqual(expected, given);
    }
    return call("verify", { ...subtleSignArgs(algorithm, key), data: b64(toBuffer(data)), signature: b64(toBuffer(signature)) });
  },
  deriveBits(algorithm, key, length) {
    if (algorithmName(algorithm) !== "PBKDF2") return Promise.reject(notSupported(`deriveBits with ${algorithm.name}`));
    return new Promise((resolve, reject) =>
      pbkdf2(key._raw, toBuffer(algorithm.salt), algorithm.iterations, length / 8, hashName(algorithm.hash), (err, bits) => (err ? reject(err) : resolve(arrayBuffer(bits)))),
    );
  },
};
// SPKI/PKCS#8 DER as PEM, the one key format the host's parseKey takes besides JWK.
function derToPem(der, format) {
  const label = format === "pkcs8" ? "PRIVATE KEY" : "PUBLIC KEY";
  const body = Buffer.from(der).toString("base64").replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}
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
  publicDecrypt: rsaCall("publicDecrypt", "public"),
  privateEncrypt: rsaCall("privateEncrypt", "private"),
  privateDecrypt: rsaCall("privateDecrypt", "private"),
  sign,
  verify,
  createCipheriv,
  createDecipheriv,
  getCiphers: () => call("getCiphers", {}),
  generateKeyPair,
  generateKeyPairSync,
  webcrypto,
  subtle,
  getHashes: () => ["md5", "sha1", "sha256", "sha384", "sha512"],
  constants: { RSA_PKCS1_PADDING: 1, RSA_NO_PADDING: 3, RSA_PKCS1_OAEP_PADDING: 4, RSA_PKCS1_PSS_PADDING: 6, RSA_PSS_SALTLEN_DIGEST: -1, RSA_PSS_SALTLEN_MAX_SIGN: -2, RSA_PSS_SALTLEN_AUTO: -2 },
};
