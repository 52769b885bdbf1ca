// Node's `process` inside the isolate: harmless, fixed values. `env` is an empty object (scripts
// read secrets from `configuration`), there is no binding, exit, kill or file access, and
// nextTick runs its callbacks as microtasks (errors fail the run that queued them, as in Node).
"use strict";
// Every module gets `process` as it loads, `events` included: so this one needs no module itself.
// Its events ('exit', 'warning', ...) are kept but never fired, as nothing here exits.
const started = Date.now();
const listeners = new Map();
const proc = {
  on(name, fn) {
    listeners.set(name, [...(listeners.get(name) || []), fn]);
    return proc;
  },
  off(name, fn) {
    listeners.set(name, (listeners.get(name) || []).filter((f) => f !== fn));
    return proc;
  },
  emit: (name, ...args) => (listeners.get(name) || []).map((fn) => fn(...args)).length > 0,
  listeners: (name) => (listeners.get(name) || []).slice(),
  listenerCount: (name) => (listeners.get(name) || []).length,
};
Object.assign(proc, { addListener: proc.on, once: proc.on, removeListener: proc.off, prependListener: proc.on, removeAllListeners: () => proc });
const version = "v24.0.0";
const unavailable = (name) => () => {
  const error = new Error(`process.${name}() is not available in Trickle's sandbox`);
  error.code = "ERR_FEATURE_UNAVAILABLE";
  throw error;
};

Object.assign(proc, {
  title: "trickle-script",
  version,
  versions: { node: version.slice(1), v8: "13.6", uv: "1.51.0", modules: "137" },
  arch: "x64",
  platform: "linux",
  release: { name: "node", lts: "Krypton" },
  env: {},
  argv: ["node", "script"],
  argv0: "node", // oracledb reports it as its program name
  execArgv: [],
  pid: 1,
  ppid: 0,
  browser: false,
  exitCode: undefined,
  features: {},
  config: { variables: {} },
  cwd: () => "/",
  chdir: unavailable("chdir"),
  umask: () => 0o22,
  uptime: () => (Date.now() - started) / 1000,
  memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }),
  cpuUsage: () => ({ user: 0, system: 0 }),
  exit: unavailable("exit"),
  abort: unavailable("abort"),
  kill: unavailable("kill"),
  emitWarning(warning, type) {
    const text = typeof warning === "string" ? warning : String(warning && warning.message);
    console.warn(`(node) ${type && typeof type === "string" ? type : "Warning"}: ${text}`);
  },
  nextTick(fn, ...args) {
    if (typeof fn !== "function") throw new TypeError('The "callback" argument must be of type function');
    queueMicrotask(() => fn(...args));
  },
});

// The isolate has no `performance`: milliseconds since the epoch are precise enough for durations.
const now = () => (typeof performance === "object" ? performance.now() : Date.now());
function hrtime(previous) {
  const ms = now();
  let seconds = Math.floor(ms / 1000);
  let nanos = Math.floor((ms % 1000) * 1e6);
  if (previous) {
    seconds -= previous[0];
    nanos -= previous[1];
    if (nanos < 0) {
      seconds--;
      nanos += 1e9;
    }
  }
  return [seconds, nanos];
}
// Object.prototype.toString gives "[object process]", as Node's does (axios checks it to pick its adapter).
proc[Symbol.toStringTag] = "process";
hrtime.bigint = () => BigInt(Math.floor(now() * 1e6));
proc.hrtime = hrtime;
proc.stdout = { write: (text) => (console.log(String(text).replace(/\n$/, "")), true), isTTY: false };
proc.stderr = { write: (text) => (console.error(String(text).replace(/\n$/, "")), true), isTTY: false };

module.exports = proc;
