// Node's `http` client inside the isolate, over the sandbox's `net`/`tls` (so every hop, redirects
// included, passes the host's egress check). HTTP/1.1. An Agent made with `keepAlive: true` keeps
// the sockets of finished responses and gives them to its next requests to the same place, as Node's
// does; without one (the global agents) each request has its own socket (`Connection: close`).
// Enough of ClientRequest, IncomingMessage and Agent for axios, node-fetch, request and
// follow-redirects. No servers.
"use strict";
const { Readable, Writable } = require("stream");
const { Buffer } = require("buffer");
const net = require("net");
const tls = require("tls");

const METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "CONNECT", "TRACE"];
const STATUS_CODES = {
  100: "Continue", 200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 301: "Moved Permanently", 302: "Found",
  303: "See Other", 304: "Not Modified", 307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request",
  401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 410: "Gone",
  422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
  503: "Service Unavailable", 504: "Gateway Timeout",
};
const MAX_HEAD_BYTES = 64 * 1024;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const codeError = (message, code) => Object.assign(new Error(message), { code });

class Agent {
  constructor(options = {}) {
    this.options = { ...options };
    this.keepAlive = Boolean(options.keepAlive);
    this.keepAliveMsecs = options.keepAliveMsecs || 1000;
    this.maxSockets = options.maxSockets || Infinity;
    this.maxFreeSockets = options.maxFreeSockets || 256;
    this.timeout = options.timeout;
    this.defaultPort = 80;
    this.protocol = "http:";
    this.sockets = {};
    this.requests = {};
    this.freeSockets = {}; // name -> idle sockets, when keepAlive
  }
  // Sockets are shared only between requests to the same place with the same TLS settings.
  getName(options = {}) {
    const o = options;
    const tlsPart = o.secure ? [o.servername, o.ca, o.cert, o.key, o.rejectUnauthorized].map((v) => (v === undefined ? "" : String(v).length + ":" + String(v).slice(0, 64))).join(":") : "";
    return `${o.host || "localhost"}:${o.port || ""}:${o.localAddress || ""}${tlsPart ? ":" + tlsPart : ""}`;
  }
  // An idle socket for `name`, or null.
  _take(name) {
    const list = this.freeSockets[name];
    while (list && list.length) {
      const socket = list.shift();
      if (!list.length) delete this.freeSockets[name];
      socket.removeListener("close", socket._onFreeClose);
      socket.removeListener("error", socket._onFreeClose);
      socket.removeListener("data", socket._onFreeData);
      socket.removeListener("timeout", socket._onFreeTimeout);
      socket.setTimeout(0);
      if (!socket.destroyed && socket.readable && socket.writable) {
        socket._run = bridge.currentRun(); // its events now belong to the run that uses it
        return socket;
      }
    }
    return null;
  }
  // A finished response's socket: kept for the next request, or closed when there are enough.
  _keep(name, socket) {
    const list = (this.freeSockets[name] = this.freeSockets[name] || []);
    if (list.length >= this.maxFreeSockets || socket.destroyed) {
      if (!list.length) delete this.freeSockets[name];
      socket.destroy();
      return;
    }
    const forget = () => {
      const at = (this.freeSockets[name] || []).indexOf(socket);
      if (at !== -1) this.freeSockets[name].splice(at, 1);
      if (this.freeSockets[name] && !this.freeSockets[name].length) delete this.freeSockets[name];
    };
    socket._onFreeClose = forget;
    socket._onFreeData = () => {
      forget();
      socket.destroy(); // a server talking on an idle connection: not to be trusted with the next request
    };
    socket._onFreeTimeout = () => {
      forget();
      socket.destroy();
    };
    socket.on("close", socket._onFreeClose);
    socket.on("error", socket._onFreeClose);
    socket.on("data", socket._onFreeData);
    if (this.timeout) {
      socket.setTimeout(this.timeout);
      socket.on("timeout", socket._onFreeTimeout);
    }
    socket.resume();
    list.push(socket);
  }
  destroy() {
    for (const name of Object.keys(this.freeSockets)) for (const socket of this.freeSockets[name].splice(0)) socket.destroy();
    this.freeSockets = {};
  }
}

class IncomingMessage extends Readable {
  constructor(socket) {
    super();
    this.socket = socket;
    this.connection = socket;
    this.headers = {};
    this.rawHeaders = [];
    this.trailers = {};
    this.rawTrailers = [];
    this.statusCode = 0;
    this.statusMessage = "";
    this.httpVersion = "1.1";
    this.httpVersionMajor = 1;
    this.httpVersionMinor = 1;
    this.complete = false;
    this.aborted = false;
  }
  _read() {
    this.socket.resume();
  }
  setTimeout(ms, cb) {
    this.socket.setTimeout(ms, cb);
    return this;
  }
}

// Node's header rules: lower-case names; set-cookie a list; the rest joined with ", ".
function addHeader(headers, name, value) {
  const key = name.toLowerCase();
  if (key === "set-cookie") (headers[key] = headers[key] || []).push(value);
  else if (headers[key] === undefined) headers[key] = value;
  else if (!["content-type", "content-length", "user-agent", "referer", "host", "authorization", "location", "etag"].includes(key)) headers[key] += `, ${value}`;
}

// Incremental parser of one response: head, then a body by content-length, chunked or until close.
class ResponseParser {
  constructor(method, onHead, onBody, onEnd, onError) {
    Object.assign(this, { method, onHead, onBody, onEnd, onError });
    this.buffer = Buffer.alloc(0);
    this.state = "head";
    this.remaining = 0;
  }
  push(chunk) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    try {
      this.run();
    } catch (e) {
      this.state = "failed";
      this.onError(e);
    }
  }
  run() {
    for (;;) {
      if (this.state === "head") {
        const end = this.buffer.indexOf("\r\n\r\n");
        if (end === -1) {
          if (this.buffer.length > MAX_HEAD_BYTES) throw codeError("Header overflow", "HPE_HEADER_OVERFLOW");
          return;
        }
        const lines = this.buffer.slice(0, end).toString("latin1").split("\r\n");
        this.buffer = this.buffer.slice(end + 4);
        const m = /^HTTP\/(\d)\.(\d) (\d{3})(?: (.*))?$/.exec(lines[0]);
        if (!m) throw codeError("Parse Error: Expected HTTP/", "HPE_INVALID_CONSTANT");
        const head = { major: Number(m[1]), minor: Number(m[2]), status: Number(m[3]), message: m[4] || "", raw: [] };
        for (const line of lines.slice(1)) {
          const i = line.indexOf(":");
          if (i <= 0) throw codeError("Parse Error: Invalid header", "HPE_INVALID_HEADER_TOKEN");
          head.raw.push(line.slice(0, i).trim(), line.slice(i + 1).trim());
        }
        if (head.status >= 100 && head.status < 200 && head.status !== 101) continue; // 100 Continue & co.
        const find = (name) => {
          for (let i = 0; i < head.raw.length; i += 2) if (head.raw[i].toLowerCase() === name) return head.raw[i + 1];
          return undefined;
        };
        const length = find("content-length");
        if (this.method === "HEAD" || head.status === 204 || head.status === 304) this.state = "done";
        else if (/\bchunked\b/i.test(find("transfer-encoding") || "")) this.state = "chunk-size";
        else if (length !== undefined) {
          if (!/^\d+$/.test(length)) throw codeError("Parse Error: Invalid content-length", "HPE_INVALID_CONTENT_LENGTH");
          this.remaining = Number(length);
          this.state = this.remaining > 0 ? "length" : "done";
        } else this.state = "close";
        this.onHead(head, this.state === "done");
        if (this.state === "done") return this.finish();
      } else if (this.state === "length") {
        if (!this.buffer.length) return;
        const part = this.buffer.slice(0, this.remaining);
        this.buffer = this.buffer.slice(part.length);
        this.remaining -= part.length;
        this.onBody(part);
        if (this.remaining === 0) return this.finish();
      } else if (this.state === "close") {
        if (this.buffer.length) this.onBody(this.buffer);
        this.buffer = Buffer.alloc(0);
        return;
      } else if (this.state === "chunk-size") {
        const end = this.buffer.indexOf("\r\n");
        if (end === -1) return;
        const size = parseInt(this.buffer.slice(0, end).toString("latin1").split(";")[0].trim(), 16);
        if (!Number.isFinite(size)) throw codeError("Parse Error: Invalid character in chunk size", "HPE_INVALID_CHUNK_SIZE");
        this.buffer = this.buffer.slice(end + 2);
        this.remaining = size;
        this.state = size === 0 ? "trailer" : "chunk";
      } else if (this.state === "chunk") {
        if (this.buffer.length < this.remaining + 2) {
          if (this.remaining > 0 && this.buffer.length) {
            const part = this.buffer.slice(0, Math.min(this.remaining, this.buffer.length));
            this.buffer = this.buffer.slice(part.length);
            this.remaining -= part.length;
            this.onBody(part);
          }
          return;
        }
        if (this.remaining) this.onBody(this.buffer.slice(0, this.remaining));
        this.buffer = this.buffer.slice(this.remaining + 2);
        this.state = "chunk-size";
      } else if (this.state === "trailer") {
        const end = this.buffer.indexOf("\r\n");
        if (end === -1) return;
        const empty = end === 0;
        this.buffer = this.buffer.slice(end + 2);
        if (empty) return this.finish();
      } else return;
    }
  }
  finish() {
    this.state = "done";
    this.onEnd();
  }
  // The socket closed: a close-delimited body ends now, any other unfinished one is an error.
  closed() {
    if (this.state === "close") this.finish();
    else if (this.state !== "done" && this.state !== "failed") this.onError(codeError("socket hang up", "ECONNRESET"));
  }
}

class ClientRequest extends Writable {
  constructor(options, secure, cb) {
    super();
    this.secure = secure;
    this.method = String(options.method || "GET").toUpperCase();
    if (!TOKEN.test(this.method)) throw codeError(`Method must be a valid HTTP token ["${options.method}"]`, "ERR_INVALID_HTTP_TOKEN");
    this.host = String(options.hostname || options.host || "localhost").replace(/^\[(.*)\]$/, "$1");
    if (!options.hostname && options.host) this.host = this.host.replace(/:\d+$/, "");
    const agent = options.agent && typeof options.agent === "object" ? options.agent : null;
    // The agent's options (`ca` set on https.globalAgent.options, say) fill what the request leaves
    // undefined: superagent, under auth0 2.x/3.x, passes `ca: undefined` on every request.
    this.options = { ...(agent ? agent.options : {}) };
    for (const [key, value] of Object.entries(options)) if (value !== undefined || !(key in this.options)) this.options[key] = value;
    this.port = Number(options.port || (agent && agent.defaultPort) || (secure ? 443 : 80));
    this.path = options.path || "/";
    if ([...this.path].some((c) => c.charCodeAt(0) <= 0x20)) throw codeError("Request path contains unescaped characters", "ERR_UNESCAPED_CHARACTERS");
    this.protocol = secure ? "https:" : "http:";
    this.agent = agent;
    this._headers = new Map(); // lower-case name -> [name, value]
    for (const [name, value] of Object.entries(options.headers || {})) if (value !== undefined) this.setHeader(name, value);
    if (options.auth && !this.hasHeader("authorization")) this.setHeader("Authorization", `Basic ${Buffer.from(String(options.auth)).toString("base64")}`);
    this._body = [];
    this.headersSent = false;
    this.finished = false;
    this.aborted = false;
    this.reusedSocket = false;
    this.socket = null;
    this.res = null;
    this._timeoutMs = Number(options.timeout) || 0;
    if (cb) this.once("response", cb);
    if (options.signal) {
      if (options.signal.aborted) queueMicrotask(() => this.destroy(codeError("The operation was aborted", "ABORT_ERR")));
      else options.signal.addEventListener("abort", () => this.destroy(Object.assign(codeError("The operation was aborted", "ABORT_ERR"), { name: "AbortError" })));
    }
    this.once("finish", () => this._send());
  }

  setHeader(name, value) {
    if (this.headersSent) throw codeError("Cannot set headers after they are sent to the client", "ERR_HTTP_HEADERS_SENT");
    if (!TOKEN.test(String(name))) throw codeError(`Header name must be a valid HTTP token ["${name}"]`, "ERR_INVALID_HTTP_TOKEN");
    const values = Array.isArray(value) ? value.map(String) : String(value);
    for (const v of [].concat(values)) if (/[\r\n\0]/.test(v)) throw codeError(`Invalid character in header content ["${name}"]`, "ERR_INVALID_CHAR");
    this._headers.set(String(name).toLowerCase(), [String(name), values]);
    return this;
  }
  getHeader(name) {
    const entry = this._headers.get(String(name).toLowerCase());
    return entry ? entry[1] : undefined;
  }
  hasHeader(name) {
    return this._headers.has(String(name).toLowerCase());
  }
  removeHeader(name) {
    this._headers.delete(String(name).toLowerCase());
  }
  getHeaders() {
    const out = {};
    for (const [key, [, value]] of this._headers) out[key] = value;
    return out;
  }
  getHeaderNames() {
    return [...this._headers.keys()];
  }
  getRawHeaderNames() {
    return [...this._headers.values()].map(([name]) => name);
  }
  flushHeaders() {}
  setNoDelay() {}
  setSocketKeepAlive() {}

  setTimeout(ms, cb) {
    this._timeoutMs = Number(ms) || 0;
    if (cb) this.once("timeout", cb);
    if (this.socket) this.socket.setTimeout(this._timeoutMs);
    return this;
  }

  _write(chunk, encoding, callback) {
    this._body.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding));
    callback();
  }

  abort() {
    if (this.aborted) return;
    this.aborted = true;
    this.emit("abort");
    this.destroy();
  }

  _destroy(err, callback) {
    if (this.socket) this.socket.destroy();
    if (this.res && !this.res.complete) {
      this.res.aborted = true;
      this.res.emit("aborted");
      // As Node: the response reports "aborted" to those listening for errors, and just ends otherwise.
      this.res.destroy(this.res.listenerCount("error") > 0 ? err || codeError("aborted", "ECONNRESET") : undefined);
    }
    callback(err);
  }

  // The body is complete ('finish'): connect, send head and body, parse the answer.
  _send() {
    if (this.destroyed) return;
    this.finished = true;
    const body = Buffer.concat(this._body);
    const hostText = net.isIPv6(this.host) ? `[${this.host}]` : this.host;
    if (!this.hasHeader("host")) this.setHeader("Host", this.port === (this.secure ? 443 : 80) ? hostText : `${hostText}:${this.port}`);
    if (!this.hasHeader("content-length") && !this.hasHeader("transfer-encoding") && (body.length || !["GET", "HEAD", "DELETE", "OPTIONS", "TRACE"].includes(this.method))) {
      this.setHeader("Content-Length", String(body.length));
    }
    const chunked = /\bchunked\b/i.test(String(this.getHeader("transfer-encoding") || ""));
    const o = this.options;
    const pool = this.agent && this.agent.keepAlive && typeof this.agent._take === "function" ? this.agent : null;
    const poolName = pool ? pool.getName({ host: this.host, port: this.port, secure: this.secure, ...(this.secure ? { servername: o.servername, ca: o.ca, cert: o.cert, key: o.key, rejectUnauthorized: o.rejectUnauthorized } : {}) }) : null;
    const keepAlive = pool && !/^close$/i.test(String(this.getHeader("connection") || ""));
    this.setHeader("Connection", keepAlive ? "keep-alive" : "close");
    let head = `${this.method} ${this.path} HTTP/1.1\r\n`;
    for (const [name, value] of this._headers.values()) for (const v of [].concat(value)) head += `${name}: ${v}\r\n`;
    this.headersSent = true;
    const reused = keepAlive ? pool._take(poolName) : null;
    this.reusedSocket = Boolean(reused);
    const socket =
      reused ||
      (this.secure
        ? tls.connect({ host: this.host, port: this.port, servername: o.servername || (net.isIP(this.host) ? undefined : this.host), ca: o.ca, cert: o.cert, key: o.key, passphrase: o.passphrase, rejectUnauthorized: o.rejectUnauthorized !== false })
        : net.connect({ host: this.host, port: this.port }));
    this.socket = this.connection = socket;
    if (this._timeoutMs) socket.setTimeout(this._timeoutMs);
    const onTimeout = () => this.emit("timeout");
    socket.on("timeout", onTimeout);
    this.emit("socket", socket);
    const payload = chunked ? Buffer.concat([Buffer.from(body.length ? `${body.length.toString(16)}\r\n` : ""), body, Buffer.from(body.length ? "\r\n0\r\n\r\n" : "0\r\n\r\n")]) : body;
    socket.write(Buffer.concat([Buffer.from(`${head}\r\n`, "latin1"), payload]));
    this._listen(socket, keepAlive ? (detach) => {
      detach();
      socket.removeListener("timeout", onTimeout);
      if (this._timeoutMs) socket.setTimeout(0);
      pool._keep(poolName, socket);
    } : null);
  }

  // `keep(detach)`: given for a keep-alive agent's request; called instead of closing the socket
  // when the response ended cleanly and the server lets the connection live.
  _listen(socket, keep) {
    let response = null;
    let failed = false;
    const fail = (e) => {
      if (failed || (this.destroyed && !response)) return;
      failed = true;
      if (response && !response.complete) {
        response.aborted = true;
        response.emit("aborted");
        response.destroy(e);
      } else if (!response) this.emit("error", e);
      socket.destroy();
    };
    const parser = new ResponseParser(
      this.method,
      (head, bodyless) => {
        response = this.res = new IncomingMessage(socket);
        response.complete = bodyless; // a caller that aborts on seeing the head (a redirect) loses nothing
        response.req = this;
        response.statusCode = head.status;
        response.statusMessage = head.message;
        response.httpVersionMajor = head.major;
        response.httpVersionMinor = head.minor;
        response.httpVersion = `${head.major}.${head.minor}`;
        response.rawHeaders = head.raw;
        for (let i = 0; i < head.raw.length; i += 2) addHeader(response.headers, head.raw[i], head.raw[i + 1]);
        if (!this.emit("response", response)) response.resume(); // nobody reads it: drain, as Node does
      },
      (chunk) => {
        if (!response.push(chunk)) socket.pause();
      },
      () => {
        response.complete = true;
        const reusable = keep && parser.buffer.length === 0 && response.httpVersion === "1.1" && !/\bclose\b/i.test(String(response.headers.connection || ""));
        if (reusable) {
          // Node's order: the response ends, then the request closes; the socket lives on in the agent.
          keep(detach);
          response.push(null);
          queueMicrotask(() => {
            this.emit("close");
            response.emit("close");
          });
          return;
        }
        response.push(null);
        socket.end();
      },
      fail,
    );
    const onData = (chunk) => parser.push(chunk);
    const onEnd = () => parser.closed();
    const onClose = () => {
      parser.closed();
      this.emit("close");
      if (response) response.emit("close");
    };
    const detach = () => {
      socket.removeListener("data", onData);
      socket.removeListener("end", onEnd);
      socket.removeListener("error", fail);
      socket.removeListener("close", onClose);
    };
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("error", fail);
    socket.on("close", onClose);
  }
}

function normalizeArgs(args, secure) {
  let [input, options, cb] = args;
  if (typeof options === "function") [options, cb] = [undefined, options];
  let base = {};
  if (typeof input === "string" || (input && typeof input === "object" && typeof input.href === "string" && input.searchParams)) {
    const url = new URL(String(input));
    base = { protocol: url.protocol, hostname: url.hostname, port: url.port, path: url.pathname + url.search };
    if (url.username || url.password) base.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  } else if (input && typeof input === "object") base = input;
  const merged = { ...base, ...(options || {}) };
  if (merged.protocol && merged.protocol !== (secure ? "https:" : "http:")) {
    throw codeError(`Protocol "${merged.protocol}" not supported. Expected "${secure ? "https:" : "http:"}"`, "ERR_INVALID_PROTOCOL");
  }
  return [merged, cb];
}

function makeModule(secure) {
  const globalAgent = new Agent({});
  if (secure) Object.assign(globalAgent, { defaultPort: 443, protocol: "https:" });
  const request = (...args) => {
    const [options, cb] = normalizeArgs(args, secure);
    // As Node: no `agent` given means the module's global agent (and its options); `false`, none.
    if (options.agent === undefined) options.agent = globalAgent;
    return new ClientRequest(options, secure, cb);
  };
  const get = (...args) => {
    const req = request(...args);
    req.end();
    return req;
  };
  class ModuleAgent extends Agent {
    constructor(options) {
      super(options);
      if (secure) Object.assign(this, { defaultPort: 443, protocol: "https:" });
    }
  }
  const refused = () => {
    throw codeError(`${secure ? "https" : "http"}.createServer() is not available: scripts in Trickle's sandbox cannot listen for connections`, "ERR_FEATURE_UNAVAILABLE");
  };
  return {
    Agent: ModuleAgent,
    globalAgent,
    request,
    get,
    ClientRequest,
    IncomingMessage,
    METHODS,
    STATUS_CODES,
    createServer: refused,
    Server: refused,
    maxHeaderSize: MAX_HEAD_BYTES,
    validateHeaderName: (name) => {
      if (!TOKEN.test(String(name))) throw codeError(`Header name must be a valid HTTP token ["${name}"]`, "ERR_INVALID_HTTP_TOKEN");
    },
    validateHeaderValue: () => {},
  };
}

module.exports = makeModule(false);
module.exports.makeModule = makeModule;
