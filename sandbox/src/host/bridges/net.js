// Host side of the isolate's `net` and `tls`: real TCP (and TLS) sockets opened by this worker for a
// script, after the egress check on the resolved, pinned address (egress.js). The isolate names each
// socket by a number of its own; bytes cross as copied ArrayBuffers in both directions, events (connect,
// data, end, close, error, drain) come back through `emit`, and no host object is ever handed over.
//
// Limits: the connection's socket budget (egress.js, across its isolates in this worker), at most
// MAX_CONNECTING connects in progress, bytes in + out per run and per isolate, and an idle timeout
// per socket (defaults below; the worker's --net-* options change them, for tests).
// Every socket of an isolate is destroyed when its bridge session closes (the isolate is disposed,
// recycled, or its Try run has answered).
"use strict";
const net = require("node:net");
const tls = require("node:tls");
const { BridgeError } = require("./bridge-error");
const { resolveTarget, refusePath, sockets } = require("./egress");

const MAX_CONNECTING = 16;
const CONNECT_TIMEOUT_MS = 30_000;
const limits = {
  runBytes: 64 * 1024 * 1024, // in + out, counted from a run's start (or between runs, for a warm isolate)
  isolateBytes: 1024 * 1024 * 1024, // in + out, over an isolate's life
  idleMs: 10 * 60_000,
};
// Set once by the worker at start. `extraCa` (the operator's --extra-ca-file, scriptd.js) joins Node's
// default authorities for every connection whose script gives no `ca` of its own: set once here, since a
// `ca` list passed with each connection is parsed again each time (about 5 ms for Node's 120 roots).
function configure({ runBytes, isolateBytes, idleMs, extraCa } = {}) {
  for (const [key, value] of Object.entries({ runBytes, isolateBytes, idleMs })) if (Number.isSafeInteger(value) && value > 0) limits[key] = value;
  if (extraCa) tls.setDefaultCACertificates([...tls.getCACertificates("default"), extraCa]);
}
const MAX_PEM = 64 * 1024;

const closedError = () => new BridgeError("The sandbox is shutting down this script", { code: "ERR_CLOSED" });

// TLS options a script may set; anything else (pfx files, custom checkServerIdentity, ...) is ignored.
function tlsOptions(raw, host) {
  const o = raw && typeof raw === "object" ? raw : {};
  const pem = (v) => {
    const list = (Array.isArray(v) ? v : [v]).filter((x) => typeof x === "string" && x.length <= MAX_PEM);
    return list.length ? list : undefined;
  };
  const servername = typeof o.servername === "string" && o.servername ? o.servername : net.isIP(host) ? undefined : host;
  return {
    servername,
    ca: pem(o.ca),
    cert: pem(o.cert),
    key: pem(o.key),
    passphrase: typeof o.passphrase === "string" ? o.passphrase : undefined,
    rejectUnauthorized: o.rejectUnauthorized !== false,
    minVersion: typeof o.minVersion === "string" ? o.minVersion : undefined,
    maxVersion: typeof o.maxVersion === "string" ? o.maxVersion : undefined,
    ciphers: typeof o.ciphers === "string" ? o.ciphers : undefined,
    ALPNProtocols: Array.isArray(o.ALPNProtocols) ? o.ALPNProtocols.filter((p) => typeof p === "string") : undefined,
  };
}

function socketError(e) {
  if (e instanceof BridgeError) return e;
  return new BridgeError(String((e && e.message) || "socket error"), { code: e && typeof e.code === "string" ? e.code : undefined });
}

// One isolate's sockets.
class SocketTable {
  constructor(emit) {
    this.emit = emit;
    this.open = new Map(); // isolate's id -> { socket, release, host }
    this.connecting = 0;
    this.bytes = 0; // over the isolate's life
    this.runBytes = 0; // since the current run began
    this.closed = false;
  }

  beginRun() {
    this.runBytes = 0;
  }

  count(n) {
    this.bytes += n;
    this.runBytes += n;
    if (this.runBytes > limits.runBytes) {
      throw new BridgeError(`Too much network traffic: a run may move at most ${limits.runBytes} bytes in and out`, { code: "ERR_SOCKET_BYTES_LIMIT" });
    }
    if (this.bytes > limits.isolateBytes) {
      throw new BridgeError(`Too much network traffic: this script's isolate may move at most ${limits.isolateBytes} bytes in and out`, { code: "ERR_SOCKET_BYTES_LIMIT" });
    }
  }

  entry(id) {
    const entry = this.open.get(Number(id));
    if (!entry) throw new BridgeError("This socket is closed", { code: "ERR_SOCKET_CLOSED" });
    return entry;
  }

  // Wires a (plain or TLS) socket's events to the isolate.
  watch(id, entry, socket) {
    entry.socket = socket;
    const send = (event, fields, bytes) => {
      if (entry.socket === socket && !this.closed) this.emit("net", { id, event, ...fields }, bytes);
    };
    socket.on("data", (chunk) => {
      try {
        this.count(chunk.length);
      } catch (e) {
        socket.destroy(e);
        return;
      }
      send("data", {}, chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.length));
    });
    socket.on("end", () => send("end"));
    socket.on("error", (e) => send("error", { error: { message: String(e.message), code: e.code } }));
    socket.on("timeout", () => socket.destroy(new BridgeError(`socket idle for ${limits.idleMs} ms: closed by the sandbox`, { code: "ETIMEDOUT" })));
    socket.on("close", () => {
      if (entry.socket !== socket) return;
      this.forget(id);
      send("close");
    });
    socket.setTimeout(limits.idleMs);
  }

  forget(id) {
    const entry = this.open.get(Number(id));
    if (!entry) return;
    this.open.delete(Number(id));
    entry.release();
  }

  close() {
    this.closed = true;
    for (const { socket, release } of this.open.values()) {
      release();
      if (socket) socket.destroy();
    }
    this.open.clear();
  }
}

function checkId(id, state) {
  if (!Number.isSafeInteger(id) || id < 1) throw new BridgeError("Invalid socket id", { name: "TypeError" });
  if (state.open.has(id)) throw new BridgeError("Socket id in use", { name: "TypeError" });
}

const methods = {
  // { id, host, port, tls?: options, noDelay?, keepAlive? } -> { remoteAddress, remotePort, localAddress, localPort }
  async connect(args, state, { policy }) {
    if (state.closed) throw closedError();
    checkId(args.id, state);
    if (state.connecting >= MAX_CONNECTING) throw new BridgeError(`Too many connects in progress (at most ${MAX_CONNECTING})`, { code: "ERR_SOCKET_CONNECTING_LIMIT" });
    state.connecting++;
    let release = null;
    try {
      if (args.path !== undefined) refusePath(args.path);
      const target = await resolveTarget(policy, args.host, args.port);
      if (state.closed) throw closedError();
      checkId(args.id, state);
      release = sockets.take(policy);
      const entry = { socket: null, release, host: String(args.host) };
      state.open.set(args.id, entry);
      const options = { host: target.address, port: target.port, family: target.family, noDelay: args.noDelay !== false };
      const socket = args.tls ? tls.connect({ ...options, ...tlsOptions(args.tls, String(args.host)) }) : net.connect(options);
      const ready = args.tls ? "secureConnect" : "connect";
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => socket.destroy(new BridgeError(`connect ETIMEDOUT ${args.host}:${args.port}`, { code: "ETIMEDOUT" })), CONNECT_TIMEOUT_MS);
        socket.once(ready, () => {
          clearTimeout(timer);
          socket.removeListener("error", reject);
          resolve();
        });
        socket.once("error", (e) => {
          clearTimeout(timer);
          reject(e);
        });
        entry.socket = socket;
      });
      if (args.keepAlive) socket.setKeepAlive(true, Number(args.keepAliveInitialDelay) || 0);
      state.watch(args.id, entry, socket);
      return describe(socket);
    } catch (e) {
      const entry = state.open.get(args.id);
      if (entry && entry.release === release) {
        state.forget(args.id);
        if (entry.socket) entry.socket.destroy();
      } else if (release) release();
      throw socketError(e);
    } finally {
      state.connecting--;
    }
  },

  // Upgrades a connected socket to TLS (as pg and mysql do after their SSL request).
  async upgrade(args, state) {
    const entry = state.entry(args.id);
    const plain = entry.socket;
    plain.setTimeout(0); // the TLS socket keeps the idle timeout from here on
    const secure = tls.connect({ socket: plain, ...tlsOptions(args.tls, entry.host) });
    entry.socket = secure; // the plain socket's own events stop reaching the isolate
    try {
      await new Promise((resolve, reject) => {
        secure.once("secureConnect", resolve);
        secure.once("error", reject);
      });
    } catch (e) {
      secure.destroy();
      plain.destroy();
      state.forget(args.id);
      throw socketError(e);
    }
    secure.removeAllListeners("error");
    state.watch(args.id, entry, secure);
    return { ...describe(secure), authorized: secure.authorized, protocol: secure.getProtocol() };
  },

  // Resolves once the bytes (and so every earlier write) are handed to the kernel: the isolate asks only
  // when a write of its own waits on that (its 'drain'). Otherwise (`ack` false) nobody hears the answer,
  // so a refusal destroys the socket, and the isolate hears the error as the socket's.
  write({ id, ack = true }, state, context) {
    const { socket } = state.entry(id);
    const bytes = context.bytes ? Buffer.from(context.bytes) : Buffer.alloc(0);
    if (bytes.length === 0) return null; // nothing to send: no host write (and no buffer) for it
    if (!ack) {
      try {
        state.count(bytes.length);
      } catch (e) {
        socket.destroy(e);
        return null;
      }
      socket.write(bytes); // a failure is the socket's 'error' event
      return null;
    }
    state.count(bytes.length);
    return new Promise((resolve, reject) => socket.write(bytes, (e) => (e ? reject(socketError(e)) : resolve(null))));
  },
  end({ id }, state) {
    state.entry(id).socket.end();
    return null;
  },
  destroy({ id }, state) {
    const entry = state.open.get(Number(id));
    if (entry && entry.socket) entry.socket.destroy();
    return null;
  },
  pause({ id }, state) {
    state.entry(id).socket.pause();
    return null;
  },
  resume({ id }, state) {
    state.entry(id).socket.resume();
    return null;
  },
  setNoDelay({ id, enable }, state) {
    state.entry(id).socket.setNoDelay(enable !== false);
    return null;
  },
  setKeepAlive({ id, enable, delay }, state) {
    state.entry(id).socket.setKeepAlive(Boolean(enable), Number(delay) || 0);
    return null;
  },
};

function describe(socket) {
  return { remoteAddress: socket.remoteAddress, remotePort: socket.remotePort, remoteFamily: socket.remoteFamily, localAddress: socket.localAddress, localPort: socket.localPort };
}

module.exports = { methods, open: (emit) => new SocketTable(emit), beginRun: (state) => state.beginRun(), close: (state) => state.close(), configure, limits };
