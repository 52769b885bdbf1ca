// Node's `tls` inside the isolate: the host does the TLS (src/host/bridges/net.js), checking the
// certificate against `ca` (or the system's roots) and `servername` unless rejectUnauthorized is false.
// tls.connect({socket}) upgrades a connected socket, as pg and mysql do after their SSL request.
"use strict";
const net = require("net");
const { Buffer } = require("buffer");

// Only what the host may use; cert/key/ca as PEM text.
function tlsFields(options) {
  const ctx = options.secureContext && options.secureContext._options ? options.secureContext._options : {};
  const pick = (key) => (options[key] !== undefined ? options[key] : ctx[key]);
  const pem = (value) => {
    if (value === undefined || value === null) return undefined;
    const list = Array.isArray(value) ? value : [value];
    return list.map((v) => (typeof v === "string" ? v : Buffer.from(v).toString("utf8")));
  };
  return {
    servername: typeof options.servername === "string" ? options.servername : undefined,
    ca: pem(pick("ca")),
    cert: pem(pick("cert")),
    key: pem(pick("key")),
    passphrase: pick("passphrase"),
    rejectUnauthorized: options.rejectUnauthorized !== false,
    minVersion: pick("minVersion"),
    maxVersion: pick("maxVersion"),
    ciphers: pick("ciphers"),
    ALPNProtocols: Array.isArray(options.ALPNProtocols) ? options.ALPNProtocols.map(String) : undefined,
  };
}

class TLSSocket extends net.Socket {
  constructor(socket, options = {}) {
    super(options);
    this.encrypted = true;
    this.authorized = false;
    this.authorizationError = null;
    this.alpnProtocol = false;
    this._tls = tlsFields(options);
  }

  getPeerCertificate() {
    return {};
  }

  getProtocol() {
    return this._protocol || null;
  }

  getCipher() {
    return null;
  }

  setServername(name) {
    this._tls.servername = String(name);
  }
}

function upgrade(plain, options, cb) {
  const secure = new TLSSocket(null, options);
  if (cb) secure.once("secureConnect", cb);
  const start = () => {
    net.Socket.adopt(secure, plain);
    secure.connecting = true;
    Object.assign(secure, { remoteAddress: plain.remoteAddress, remotePort: plain.remotePort, localAddress: plain.localAddress, localPort: plain.localPort });
    bridge.callAsync("net", "upgrade", { id: secure._id, tls: secure._tls }, (err, info) => {
      secure.connecting = false;
      if (err) {
        const error = new Error(err.message);
        if (err.code) error.code = err.code;
        secure.destroy(error);
        return;
      }
      secure.pending = false;
      secure.authorized = info.authorized !== false;
      secure._protocol = info.protocol;
      secure.emit("_ready");
      secure.emit("secureConnect");
    });
  };
  secure.connecting = true;
  if (plain.connecting) plain.once("_ready", start);
  else if (!plain._id) queueMicrotask(() => secure.destroy(Object.assign(new Error("The socket to upgrade is not connected"), { code: "ERR_SOCKET_CLOSED" })));
  else start();
  return secure;
}

function connect(...args) {
  let [options, second, third] = args;
  if (typeof options !== "object" || options === null) options = { port: options, host: typeof second === "string" ? second : undefined };
  else options = { ...options };
  const cb = [second, third].find((a) => typeof a === "function");
  if (options.socket) return upgrade(options.socket, options, cb);
  const socket = new TLSSocket(null, options);
  if (options.timeout) socket.setTimeout(options.timeout);
  return socket.connect(options, cb);
}

module.exports = {
  TLSSocket,
  connect,
  createSecureContext: (options = {}) => ({ _options: { ...options }, context: {} }),
  checkServerIdentity: () => undefined,
  createServer() {
    throw Object.assign(new Error("tls.createServer() is not available in Trickle's sandbox"), { code: "ERR_FEATURE_UNAVAILABLE" });
  },
  DEFAULT_MIN_VERSION: "TLSv1.2",
  DEFAULT_MAX_VERSION: "TLSv1.3",
  rootCertificates: [],
  getCiphers: () => [],
};
