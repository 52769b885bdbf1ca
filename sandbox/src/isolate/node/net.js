// Node's `net` inside the isolate: a Socket is a Duplex stream whose bytes travel through the host's
// "net" bridge (src/host/bridges/net.js), which opens the real socket after the egress check. Only
// TCP clients: no servers, no Unix socket paths (refused by the host's check like any other target).
"use strict";
const { Duplex } = require("stream");
const { Buffer } = require("buffer");

const sockets = new Map(); // id -> Socket with a host socket
let nextId = 1;
const WRITE_AHEAD_BYTES = 64 * 1024;

function errorFrom(e) {
  const error = new Error(e.message);
  if (e.code) error.code = e.code;
  return error;
}

// Host events for a socket; `enter(run)` attributes what the handlers do to the run that last used it.
bridge.listen("net", (fields, bytes, enter) => {
  const socket = sockets.get(fields.id);
  if (!socket) return;
  enter(socket._run);
  socket._onHost(fields, bytes);
});

function isIPv4(s) {
  return /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(String(s));
}
function isIPv6(s) {
  const text = String(s);
  return text.includes(":") && /^[0-9a-fA-F:.]+(%.+)?$/.test(text) && (text.match(/::/g) || []).length <= 1;
}
const isIP = (s) => (isIPv4(s) ? 4 : isIPv6(s) ? 6 : 0);

// connect(port, host, cb) | connect({port, host, ...}, cb) | connect(path, cb) -> [options, cb]
function normalize(args) {
  let [first, second, third] = args;
  let options;
  if (first !== null && typeof first === "object") options = { ...first };
  else if (typeof first === "string" && !/^\d+$/.test(first)) options = { path: first };
  else options = { port: first, host: typeof second === "string" ? second : undefined };
  const cb = [second, third].find((a) => typeof a === "function");
  return [options, cb];
}

class Socket extends Duplex {
  constructor(options = {}) {
    super({ allowHalfOpen: Boolean(options.allowHalfOpen), emitClose: false, decodeStrings: true });
    this._id = 0;
    this._run = bridge.currentRun();
    this._knownOut = 0; // of bytesWritten, how many the host has said are out (it answers only some writes)
    this._outgoing = []; // written this turn, not yet sent (_flush)
    this._waitingWrite = null; // the write callback held back while too much is on its way
    this._tls = null;
    this.connecting = false;
    this.pending = true;
    this.bytesRead = 0;
    this.bytesWritten = 0;
    this.remoteAddress = undefined;
    this.remotePort = undefined;
    this.remoteFamily = undefined;
    this.localAddress = undefined;
    this.localPort = undefined;
    this._noDelay = true;
    this._keepAlive = false;
    this._timeoutMs = 0;
    this._timer = null;
    this._closed = false;
    this._paused = false;
  }

  get readyState() {
    if (this.connecting) return "opening";
    if (this._id && this.readable && this.writable) return "open";
    if (this._id && this.readable) return "readOnly";
    if (this._id && this.writable) return "writeOnly";
    return "closed";
  }

  // Bytes not yet out: only a held-back write's are known to wait (smaller ones go out at once).
  get bufferSize() {
    return this._waitingWrite ? this._pendingBytes : this.writableLength;
  }

  // Written and not yet known to be out.
  get _pendingBytes() {
    return this.bytesWritten - this._knownOut;
  }

  connect(...args) {
    const [options, cb] = normalize(args);
    if (cb) this.once(this._tls ? "secureConnect" : "connect", cb);
    this._run = bridge.currentRun();
    this._id = nextId++;
    sockets.set(this._id, this);
    this.connecting = true;
    const host = options.path !== undefined ? options.path : options.host || "localhost";
    const request = { id: this._id, host, port: Number(options.port), noDelay: this._noDelay, keepAlive: this._keepAlive };
    if (options.path !== undefined) request.path = String(options.path);
    if (this._tls) request.tls = this._tls;
    this._host = host;
    bridge.callAsync("net", "connect", request, (err, info) => {
      this.connecting = false;
      if (err) return this.destroy(errorFrom(err));
      if (this.destroyed) return;
      this.pending = false;
      Object.assign(this, info);
      this._touch();
      this.emit("_ready");
      this.emit("connect");
      if (this._tls) {
        this.authorized = true;
        this.encrypted = true;
        this.emit("secureConnect");
      }
      this.emit("ready");
    });
    return this;
  }

  _onHost(fields, bytes) {
    if (fields.event === "data") {
      const chunk = Buffer.from(bytes);
      this.bytesRead += chunk.length;
      this._touch();
      if (!this.push(chunk) && !this._paused) {
        this._paused = true;
        this._call("pause");
      }
    } else if (fields.event === "end") this.push(null);
    else if (fields.event === "error") this.destroy(errorFrom(fields.error));
    else if (fields.event === "close") {
      sockets.delete(this._id);
      this._hostClosed = true;
      this.push(null);
      this.destroy();
    }
  }

  _read() {
    if (this._paused && this._id) {
      this._paused = false;
      this._call("resume");
    }
  }

  // A write is acknowledged at once while at most WRITE_AHEAD_BYTES are on their way (as Node acknowledges
  // one once the kernel has it, which for small writes is at once), and the writes of one turn reach the
  // host as one call: a driver's query of five protocol messages costs one crossing, not five round trips.
  // The host answers only a flush that a held-back write waits on (its answer means every byte sent so
  // far is out); a refused write destroys the socket with its error, as a failed write does in Node.
  _write(chunk, encoding, callback) {
    if (this.connecting) {
      this.once("_ready", () => this._write(chunk, encoding, callback));
      return;
    }
    if (!this._id || this._hostClosed) return callback(Object.assign(new Error("This socket has been ended by the other party"), { code: "EPIPE" }));
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding);
    this.bytesWritten += bytes.length;
    this._touch();
    this._outgoing.push(bytes);
    if (this._outgoing.length === 1) queueMicrotask(() => this._flush());
    if (this._pendingBytes <= WRITE_AHEAD_BYTES) callback();
    else this._waitingWrite = callback;
  }

  // Sends what this turn wrote; called before any other call about this socket, so the host sees them in order.
  _flush() {
    if (this._outgoing.length === 0 || !this._id || this._hostClosed) return;
    const bytes = this._outgoing.length === 1 ? this._outgoing[0] : Buffer.concat(this._outgoing);
    this._outgoing = [];
    if (bytes.length === 0 && !this._waitingWrite) return;
    const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    if (!this._waitingWrite) return bridge.callAsync("net", "write", { id: this._id, ack: false }, null, copy);
    const outAt = this.bytesWritten; // every byte written before this answer is out once it comes
    bridge.callAsync(
      "net",
      "write",
      { id: this._id },
      (err) => {
        const waiting = this._waitingWrite;
        this._waitingWrite = null;
        if (err && this.destroyed) {
          // The script destroyed the socket meanwhile: as in Node, nothing more is emitted (readable-stream 3
          // would emit a write callback's error even now), and the held-back write's callback still runs.
          if (waiting) waiting(null);
          return;
        }
        if (err) {
          // A failed write destroys the socket and its callback gets the error, which the socket emits once.
          if (!waiting) return this.destroy(errorFrom(err));
          this.destroy();
          return waiting(errorFrom(err));
        }
        this._knownOut = outAt;
        if (waiting) waiting(null);
      },
      copy,
    );
  }

  _call(method, args) {
    this._flush();
    bridge.callAsync("net", method, { id: this._id, ...args }, () => {});
  }

  _final(callback) {
    if (this.connecting) return this.once("_ready", () => this._final(callback));
    if (this._id && !this._hostClosed) this._call("end");
    callback();
  }

  _destroy(err, callback) {
    this._clearTimer();
    this.connecting = false;
    if (this._id && !this._hostClosed) this._call("destroy");
    sockets.delete(this._id);
    callback(err);
    if (!this._closed) {
      this._closed = true;
      // As Node, where 'close' follows the handle's closing on a later turn of the loop: after 'error'
      // and the promise work it starts (neo4j-driver 4.4 closes its channel on a refused connect and
      // waits for this event; a microtask would emit it before the driver listens).
      setImmediate(() => this.emit("close", Boolean(err)));
    }
  }

  setNoDelay(enable = true) {
    this._noDelay = enable !== false;
    if (this._id && !this.connecting) this._call("setNoDelay", { enable: this._noDelay });
    return this;
  }

  setKeepAlive(enable = false, delay = 0) {
    this._keepAlive = Boolean(enable);
    if (this._id && !this.connecting) this._call("setKeepAlive", { enable: this._keepAlive, delay });
    return this;
  }

  // As Node: 'timeout' after `ms` without activity; the socket stays open unless a listener closes it.
  setTimeout(ms, callback) {
    this._timeoutMs = Number(ms) || 0;
    if (callback) this[this._timeoutMs ? "once" : "removeListener"]("timeout", callback);
    this._touch();
    return this;
  }

  _touch() {
    this._clearTimer();
    if (this._timeoutMs > 0 && !this.destroyed) this._timer = setTimeout(() => this.emit("timeout"), this._timeoutMs);
  }

  _clearTimer() {
    if (this._timer) clearTimeout(this._timer);
    this._timer = null;
  }

  address() {
    return this.localAddress ? { address: this.localAddress, port: this.localPort, family: isIPv6(this.localAddress) ? "IPv6" : "IPv4" } : {};
  }

  ref() {
    return this;
  }

  unref() {
    return this;
  }

  resetAndDestroy() {
    return this.destroy();
  }
}

function createConnection(...args) {
  const [options] = normalize(args);
  const socket = new Socket(options);
  if (options.timeout) socket.setTimeout(options.timeout);
  return socket.connect(...args);
}

function refusedServer() {
  const error = new Error("net.createServer() is not available: scripts in Trickle's sandbox cannot listen for connections");
  error.code = "ERR_FEATURE_UNAVAILABLE";
  throw error;
}

// tls.js: takes over `plain`'s host socket (same id) once the host has upgraded it.
Socket.adopt = (secure, plain) => {
  plain._flush();
  secure._id = plain._id;
  secure._run = bridge.currentRun();
  sockets.set(secure._id, secure);
  plain._id = 0; // the plain object goes quiet, as a wrapped socket does in Node
  plain._hostClosed = true;
  // ...until the TLS socket closes, which closes the one beneath too (pg ends on the plain one's 'close').
  secure.once("close", () => plain.destroy());
};

module.exports = {
  Socket,
  Stream: Socket,
  connect: createConnection,
  createConnection,
  createServer: refusedServer,
  Server: refusedServer,
  isIP,
  isIPv4,
  isIPv6,
  getDefaultAutoSelectFamily: () => false,
  setDefaultAutoSelectFamily: () => {},
};
