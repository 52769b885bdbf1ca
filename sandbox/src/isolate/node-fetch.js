// `fetch` for scripts: Node 20's global fetch and `node-fetch` v2 (the default export, Headers,
// Request, Response, FetchError, `timeout`, `res.buffer()`). Each request goes through the "http"
// bridge; the host checks egress for every hop and returns the whole response body.
"use strict";
const { Buffer } = require("buffer");

// The raw exchange shared with the axios and request shims: resolves to
// { status, statusText, headers: [[name, value]], body: Buffer, url, redirected }.
function send(options) {
  return new Promise((resolve, reject) => {
    bridge.callAsync("http", "request", options, (err, value) => {
      if (err) return reject(err);
      resolve({ ...value, body: Buffer.from(value.body, "base64") });
    });
  });
}

function bodyBytes(body) {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (typeof URLSearchParams !== "undefined" && body instanceof URLSearchParams) return Buffer.from(body.toString(), "utf8");
  return Buffer.from(String(body), "utf8");
}

class Headers {
  constructor(init) {
    this._map = new Map(); // lower-case name -> [values]
    if (init instanceof Headers) init.forEach((v, k) => this.append(k, v));
    else if (Array.isArray(init)) for (const [k, v] of init) this.append(k, v);
    else if (init && typeof init === "object") for (const k of Object.keys(init)) this.append(k, init[k]);
  }
  append(name, value) {
    const key = String(name).toLowerCase();
    this._map.set(key, (this._map.get(key) || []).concat(String(value)));
  }
  set(name, value) {
    this._map.set(String(name).toLowerCase(), [String(value)]);
  }
  get(name) {
    const values = this._map.get(String(name).toLowerCase());
    return values ? values.join(", ") : null;
  }
  has(name) {
    return this._map.has(String(name).toLowerCase());
  }
  delete(name) {
    this._map.delete(String(name).toLowerCase());
  }
  raw() {
    return Object.fromEntries(this._map);
  }
  forEach(fn, self) {
    for (const [k, v] of this.entries()) fn.call(self, v, k, this);
  }
  *entries() {
    for (const k of [...this._map.keys()].sort()) yield [k, this.get(k)];
  }
  *keys() {
    for (const [k] of this.entries()) yield k;
  }
  *values() {
    for (const [, v] of this.entries()) yield v;
  }
  [Symbol.iterator]() {
    return this.entries();
  }
}

class FetchError extends Error {
  constructor(message, type, cause) {
    super(message);
    this.name = "FetchError";
    this.type = type;
    if (cause && cause.code) this.code = this.errno = cause.code;
  }
}

class Body {
  _consume() {
    if (this.bodyUsed) return Promise.reject(new TypeError("body used already for: " + this.url));
    this.bodyUsed = true;
    return Promise.resolve(this._bytes || Buffer.alloc(0));
  }
  text() {
    return this._consume().then((b) => b.toString("utf8"));
  }
  json() {
    return this.text().then((t) => JSON.parse(t));
  }
  buffer() {
    return this._consume();
  }
  arrayBuffer() {
    return this._consume().then((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }
}

class Response extends Body {
  constructor(body, init = {}) {
    super();
    this._bytes = bodyBytes(body);
    this.status = init.status === undefined ? 200 : init.status;
    this.statusText = init.statusText || "";
    this.headers = new Headers(init.headers);
    this.url = init.url || "";
    this.redirected = Boolean(init.redirected);
    this.bodyUsed = false;
  }
  get ok() {
    return this.status >= 200 && this.status < 300;
  }
  clone() {
    return new Response(this._bytes, this);
  }
}

class Request extends Body {
  constructor(input, init = {}) {
    super();
    const from = input instanceof Request ? input : null;
    this.url = from ? from.url : String(input);
    this.method = String(init.method || (from && from.method) || "GET").toUpperCase();
    this.headers = new Headers(init.headers || (from && from.headers));
    this._bytes = init.body !== undefined ? bodyBytes(init.body) : from ? from._bytes : undefined;
    this.redirect = init.redirect || (from && from.redirect) || "follow";
    this.timeout = init.timeout || (from && from.timeout) || 0;
    this.follow = init.follow !== undefined ? init.follow : from ? from.follow : 20;
    this.signal = init.signal || (from && from.signal) || null;
    this.bodyUsed = false;
  }
}

class AbortSignal {
  constructor() {
    this.aborted = false;
    this.reason = undefined;
    this._listeners = [];
    this.onabort = null;
  }
  addEventListener(type, fn) {
    if (type === "abort") this._listeners.push(fn);
  }
  removeEventListener(type, fn) {
    this._listeners = this._listeners.filter((f) => f !== fn);
  }
  throwIfAborted() {
    if (this.aborted) throw this.reason;
  }
  static timeout(ms) {
    const controller = new AbortController();
    setTimeout(() => controller.abort(abortError("The operation was aborted due to timeout", "TimeoutError")), ms);
    return controller.signal;
  }
}
class AbortController {
  constructor() {
    this.signal = new AbortSignal();
  }
  abort(reason) {
    const signal = this.signal;
    if (signal.aborted) return;
    signal.aborted = true;
    signal.reason = reason === undefined ? abortError("This operation was aborted") : reason;
    for (const fn of [signal.onabort, ...signal._listeners]) if (typeof fn === "function") fn({ type: "abort", target: signal });
  }
}
function abortError(message, name = "AbortError") {
  const error = new Error(message);
  error.name = name;
  error.type = "aborted";
  return error;
}

function fetch(input, init) {
  let request;
  try {
    request = new Request(input, init);
    const type = request.headers.get("content-type");
    if (!type && typeof (init && init.body) === "string") request.headers.set("content-type", "text/plain;charset=UTF-8");
    if (!type && typeof URLSearchParams !== "undefined" && init && init.body instanceof URLSearchParams) {
      request.headers.set("content-type", "application/x-www-form-urlencoded;charset=UTF-8");
    }
  } catch (e) {
    return Promise.reject(e);
  }
  const signal = request.signal;
  if (signal && signal.aborted) return Promise.reject(signal.reason || abortError("This operation was aborted"));
  const exchange = send({
    url: request.url,
    method: request.method,
    headers: [...request.headers._map].flatMap(([k, vs]) => vs.map((v) => [k, v])),
    body: request._bytes ? request._bytes.toString("base64") : undefined,
    timeout: request.timeout || undefined,
    redirect: request.redirect,
    maxRedirects: request.follow,
  }).then(
    (raw) => new Response(raw.body, { status: raw.status, statusText: raw.statusText, headers: raw.headers, url: raw.url, redirected: raw.redirected }),
    (err) => {
      if (err.code === "ETIMEDOUT") throw new FetchError(`network timeout at: ${request.url}`, "request-timeout", err);
      if (err.code === "EGRESS_REFUSED") throw Object.assign(new FetchError(err.message, "system", err), { code: err.code });
      throw new FetchError(`request to ${request.url} failed, reason: ${err.message}`, "system", err);
    },
  );
  if (!signal) return exchange;
  // The host request runs on; the script stops waiting for it.
  return new Promise((resolve, reject) => {
    signal.addEventListener("abort", () => reject(signal.reason));
    exchange.then(resolve, reject);
  });
}

fetch.fetch = fetch;
fetch.default = fetch;
fetch.Headers = Headers;
fetch.Request = Request;
fetch.Response = Response;
fetch.FetchError = FetchError;
fetch.AbortError = abortError;
fetch.AbortController = AbortController;
fetch.AbortSignal = AbortSignal;
fetch.isRedirect = (code) => [301, 302, 303, 307, 308].includes(code);
fetch.send = send;
module.exports = fetch;
