// The registry of host bridges: JSON-only services that isolate-side shims call through
// `bridge.call(name, method, args)` (blocking the script, not the worker) or `bridge.callAsync`.
//
// A bridge module exports { methods, open?, close? }:
//   methods[name](args, state, { policy, work, bytes }) -> value or Promise of value; args is parsed JSON from
//     the script (untrusted: validate it), the value must be JSON-serialisable. Throw BridgeError for errors
//     the script should see; `policy` is the run's egress policy (egress.js: resolve it before any
//     connect); `work.run(task)` runs CPU-heavy host work (hashing) charged to the run's connection,
//     queued fairly and cancelled with the run (../host-work.js); `bytes` is an ArrayBuffer the isolate
//     sent along (a copy); anything else is reported as an internal error without host details.
//   open(emit) -> state kept per isolate (e.g. handles of open connections), created on first use;
//     emit(channel, fields, bytes?) sends an event into the isolate (net.js: socket events), where the
//     module that called bridge.listen(channel, fn) gets it; bytes is an ArrayBuffer, copied in;
//   beginRun(state) -> optional, called as each run starts (net.js: the per-run byte count);
//   close(state) -> called when the isolate is recycled or disposed, to release what it holds.
"use strict";

const { BridgeError } = require("./bridge-error");
const { hostWork } = require("../host-work");

const registry = {
  crypto: require("./crypto"),
  net: require("./net"),
  dns: require("./dns"),
};
const NO_EGRESS = Object.freeze({ allow: new Set(), maxSockets: 0, connection: "" });
// Calls made through every session of this worker, by "bridge.method" (known methods only): the
// worker's stats show how many crossings a script's work costs.
const calls = new Map();

// One per isolate: routes calls and owns each bridge's per-isolate state.
class BridgeSession {
  constructor({ emit = () => {} } = {}) {
    this.emit = emit;
    this.states = new Map();
    this.closed = false;
    // Where this isolate's sockets may go (egress.js): set for each run from its request.
    this.policy = NO_EGRESS;
    // Whom host work is charged to: { run, connection, purpose } while a run is active, else null.
    this.charge = null;
    this.work = Object.freeze({ run: (task) => hostWork.submit(this.charge, task) });
  }

  beginRun(charge) {
    this.charge = charge;
    for (const [name, state] of this.states) if (registry[name].beginRun) registry[name].beginRun(state);
  }

  // The run answered: its queued host work never starts. Work asked for later (a driver's background
  // reconnect) is charged to `idleCharge` (the isolate's idle budget), or refused when there is none.
  endRun(idleCharge = null) {
    if (this.charge) hostWork.cancelRun(this.charge.run);
    this.charge = idleCharge;
  }

  // Returns the JSON envelope the isolate side expects: {"value": ...} or {"error": {...}}.
  // `bytes`: an ArrayBuffer the isolate sent along (a copy), e.g. what a socket writes.
  async call(name, method, argsJson, bytes) {
    try {
      if (this.closed) throw new BridgeError("The sandbox is shutting down this script");
      const bridge = Object.hasOwn(registry, name) ? registry[name] : null;
      const fn = bridge && Object.hasOwn(bridge.methods, method) ? bridge.methods[method] : null;
      if (!fn) throw new BridgeError(`Unknown bridge call ${name}.${method}`);
      calls.set(`${name}.${method}`, (calls.get(`${name}.${method}`) || 0) + 1);
      if (!this.states.has(name)) this.states.set(name, bridge.open ? bridge.open(this.emit) : null);
      const bytesIn = bytes instanceof ArrayBuffer ? bytes : null;
      const value = await fn(JSON.parse(argsJson), this.states.get(name), { policy: this.policy, work: this.work, bytes: bytesIn });
      return JSON.stringify({ value: value === undefined ? null : value });
    } catch (e) {
      const error =
        e instanceof BridgeError
          ? { name: e.scriptName, message: e.message, code: e.code, fields: e.fields }
          : { name: "Error", message: `${name}.${method} failed: ${e && e.message ? e.message : "internal error"}` };
      return JSON.stringify({ error });
    }
  }

  close() {
    this.closed = true;
    this.endRun();
    for (const [name, state] of this.states) {
      const bridge = registry[name];
      if (bridge.close) {
        Promise.resolve()
          .then(() => bridge.close(state))
          .catch((e) => process.stderr.write(`scriptd: closing bridge ${name} failed: ${e.message}\n`));
      }
    }
    this.states.clear();
  }
}

module.exports = { BridgeSession, BridgeError, registry, bridgeCalls: () => Object.fromEntries(calls) };
