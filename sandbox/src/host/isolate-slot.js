// The host side of one V8 isolate: creates it with the runtime, runs one script run at a time in
// it, owns its timers' alarm and bridge session, enforces the run's wall clock and tears it down.
"use strict";
const ivm = require("isolated-vm");
const { BridgeSession } = require("./bridges");
const { IdleBudget } = require("./idle-budget");
const { SyncAnswers } = require("./sync-answers");

let alarmsSet = 0; // host timers set for isolates' timers, since start (worker stats)

class IsolateSlot {
  // shared: { runtime: ivm-compatible source, cachedData, settingsJson, source(name) -> module source,
  //   resolve(spec) -> catalog answer (src/host/modules.js) }
  // onNotice({ connection, text }): something the connection's run history should show (an isolate
  // disposed between runs).
  constructor({ shared, memoryMb, onCatastrophic, onNotice = () => {} }) {
    this.shared = shared;
    this.memoryMb = memoryMb;
    this.onCatastrophic = onCatastrophic;
    this.onNotice = onNotice;
    this.isolate = null;
    this.dispatch = null;
    this.alarm = null; // the host timer that enters the isolate when its earliest timer is due
    this.syncAnswers = new SyncAnswers();
    this.bridges = new BridgeSession({ emit: (channel, fields, bytes) => this.enter("event", String(channel), JSON.stringify(fields), bytes) });
    this.active = null; // { tag, sink, deadline, finished }
    this.runs = 0;
    this.binding = null; // the configuration and options the isolate was set up with, at its first run
    this.createdAt = Date.now();
    this.lastUsedAt = this.createdAt;
    this.retired = false;
    this.disposed = false;
    this.idleEntryTimeoutMs = 1000;
    this.entries = 0; // entries into the isolate still running
    this.idleWatch = null; // watchIdleEntries' interval
    this.onQuiet = []; // quiet()'s waiters
  }

  // rehearse: a prepared fresh isolate rehearses the run path once before any run (runtime.js warmUp):
  // V8 compiles functions at their first call, which would otherwise be paid by the first real run.
  // Nothing of it is visible to that run. It happens inside the bootstrap call, one crossing fewer.
  async init({ rehearse = false } = {}) {
    this.isolate = new ivm.Isolate({
      memoryLimit: this.memoryMb,
      onCatastrophicError: (message) => this.onCatastrophic(message),
    });
    this.idleBudget = new IdleBudget(this.isolate);
    const context = await this.isolate.createContext();
    withoutWasm(context);
    this.context = context;
    // Synchronous: with the code cache, compiling and running the runtime's outer function take tens of
    // microseconds, less than the two thread hops their async forms cost.
    const script = this.isolate.compileScriptSync(this.shared.runtime, {
      filename: "trickle:runtime",
      cachedData: this.shared.cachedData,
    });
    const bootstrap = script.runSync(context, { reference: true });
    script.release();
    // Calls that the isolate's thread does not wait on here are `ignored` callbacks: it queues them on this
    // worker's thread and goes on, instead of waiting for the worker to take each (a login's socket write,
    // its pool's timers and its answer: four waits fewer). The runtime bounds that queue (hostDrain). A
    // blocking bridge call is one of them too: its answer comes back through the shared memory.
    const posted = { ignored: true };
    this.dispatch = await bootstrap.apply(
      undefined,
      [
        new ivm.Callback((tag, level, text) => this.onLog(tag, level, text)),
        new ivm.Callback((tag, status, json) => this.onDone(tag, status, json), posted),
        new ivm.Callback((ms) => this.onAlarm(ms), posted),
        new ivm.Callback((name) => this.moduleFactory(String(name))),
        // require() of a catalog package: the host resolves the version (catalog.js) and answers JSON.
        new ivm.Callback((spec) => JSON.stringify(this.shared.resolve(String(spec)))),
        new ivm.Callback((id, name, method, args, bytes) => this.onBridgeAsync(id, name, method, args, bytes), posted),
        // A blocking bridge call (pbkdf2Sync) waits in the isolate on this memory (sync-answers.js), without
        // blocking this worker's event loop; an answer too large for it is taken with this callback.
        new ivm.ExternalCopy(this.syncAnswers.memory).copyInto({ release: true }),
        new ivm.Callback(() => this.syncAnswers.take()),
        this.shared.settingsJson,
        rehearse,
        // Synchronous and empty: it returns once this thread has taken every call queued before it.
        new ivm.Callback(() => {}),
      ],
      { result: { reference: true }, timeout: 1000 },
    );
    bootstrap.release();
    return this;
  }

  // Called from inside the isolate (its require): compiles the module's wrapper function with the worker's
  // code cache for it (made by the first isolate that loads it), so each module is parsed once per worker,
  // and hands the function in. Returns false for a name no module has.
  moduleFactory(name) {
    const source = this.shared.source(name);
    if (typeof source !== "string") return false;
    const cache = this.shared.moduleCache || (this.shared.moduleCache = new Map());
    const wrapped = `(function (module, exports, require, process, bridge) {${source}\n})`;
    const cachedData = cache.get(name);
    const script = this.isolate.compileScriptSync(wrapped, {
      filename: `trickle:module/${name}`,
      ...(cachedData ? { cachedData } : { produceCachedData: true }),
    });
    if (!cachedData && script.cachedData) cache.set(name, script.cachedData);
    const factory = script.runSync(this.context, { reference: true });
    script.release();
    this.dispatch.applySync(undefined, ["factory", name, factory.derefInto()]);
    factory.release();
    return true;
  }

  get busy() {
    return this.active !== null;
  }

  // Resolves once no entry is running in the isolate (or it is gone). A warm slot goes to the next run
  // only then (warm-pool.js): work the last run left running after its answer is watched against the idle
  // budget while no run is active, instead of holding up the next run, which would be blamed for it.
  quiet() {
    if (this.entries === 0 || this.disposed) return Promise.resolve();
    return new Promise((resolve) => this.onQuiet.push(resolve));
  }

  entryEnded() {
    if (--this.entries > 0) return;
    this.stopIdleWatch();
    this.tellQuiet();
  }

  tellQuiet() {
    for (const resolve of this.onQuiet.splice(0)) resolve();
  }

  // Runs one request; resolves when it has answered (the run's sink got its result). The first run binds
  // the isolate to its configuration and options; a run bound otherwise is refused, never run with the
  // configuration the isolate already holds.
  run({ tag, sink, payload, timeoutMs, policy, binding, purpose }) {
    if (this.binding !== null && this.binding !== binding) {
      process.stderr.write("scriptd worker: refused a run in an isolate set up for another configuration\n");
      sink.result("crash", {
        error: { name: "InternalError", message: "The sandbox refused the run: its isolate was set up with another configuration" },
      });
      return Promise.resolve();
    }
    this.binding = binding;
    this.runs++;
    if (policy) this.bridges.policy = policy;
    this.bridges.beginRun({ run: tag, connection: this.bridges.policy.connection, purpose });
    this.lastUsedAt = Date.now();
    this.idleEntryTimeoutMs = timeoutMs;
    return new Promise((resolve) => {
      const active = { tag, sink, resolve, timeoutMs, deadlineAt: Date.now() + timeoutMs };
      active.deadline = setTimeout(() => this.timedOut(active), timeoutMs);
      this.active = active;
      this.enter("run", tag, payload);
    });
  }

  timedOut(active) {
    this.finish(active, "timeout", {
      error: { name: "TimeoutError", message: `Script execution timed out after ${active.timeoutMs} ms` },
    });
    this.dispose(); // the only way to stop a loop in a timer, a microtask chain or a pending await
  }

  finish(active, status, body) {
    if (this.active !== active) return;
    clearTimeout(active.deadline);
    this.active = null;
    this.idleBudget.reset();
    this.bridges.endRun({
      run: `idle:${active.tag}`,
      connection: this.bridges.policy.connection,
      purpose: "try",
      onCost: (ms) => {
        this.idleBudget.addHostMs(ms);
        this.checkIdleBudget();
      },
    });
    if (this.entries > 0) setImmediate(() => this.watchIdleEntries());
    active.sink.result(status, body);
    active.resolve();
  }

  // Every entry into the isolate goes through here, and every one is bounded: inside a run by what is
  // left of the run's deadline; leftovers of a warm isolate (timers, bridge answers after the run
  // answered) by the last run's time limit of their own. An entry that began just before its run
  // answered must not lose its bound when the run's deadline timer is cleared.
  // Between runs an entry is also bounded by what is left of the isolate's idle CPU budget
  // (idle-budget.js), and the budget is checked after each one.
  // `bytes` (an ArrayBuffer, e.g. what a socket received) goes in as a copy, never as a reference.
  enter(op, tag, payload, bytes) {
    if (this.retired) return;
    let timeout;
    if (this.active) timeout = this.active.deadlineAt - Date.now();
    else {
      const left = this.idleBudget.leftMs();
      if (left <= 0) return this.overIdleBudget();
      timeout = Math.ceil(Math.min(this.idleEntryTimeoutMs, Math.max(5, left))); // ivm wants whole ms
    }
    const options = { timeout: Math.max(1, timeout) };
    const args = [op, tag, payload];
    if (bytes) args.push(new ivm.ExternalCopy(bytes).copyInto({ release: true, transferIn: true }));
    this.entries++;
    const owner = this.active; // the run this entry works for (null: between runs)
    this.dispatch.apply(undefined, args, options).then(
      () => {
        this.entryEnded();
        this.checkIdleBudget();
      },
      (error) => {
        this.entryEnded();
        this.onEntryError(error, owner);
      },
    );
  }

  // An entry that began during the run (bounded by the run's deadline) may go on after the answer,
  // e.g. a loop right after the callback: its CPU counts against the idle budget as it runs.
  // Usually that entry ends at once (the one that answered), and its end usually reaches this thread
  // with the answer, so finish() looks again once that has been taken (setImmediate) and only then sets
  // the interval. Set at the answer and cleared a moment later, the interval would still wake the worker
  // 25 ms on (Node keeps its timer armed when a timer set from I/O is cleared), once per login.
  watchIdleEntries() {
    if (this.active || this.retired || this.entries === 0) return;
    this.stopIdleWatch();
    this.idleWatch = setInterval(() => {
      if (this.active || this.retired || this.entries === 0) this.stopIdleWatch();
      else if (this.idleBudget.leftMs() <= 0) {
        this.stopIdleWatch();
        this.overIdleBudget();
      }
    }, 25);
  }

  stopIdleWatch() {
    if (this.idleWatch) clearInterval(this.idleWatch);
    this.idleWatch = null;
  }

  // Between runs, after host work or an entry: an isolate past its idle CPU budget goes.
  checkIdleBudget() {
    if (!this.active && !this.retired && this.idleBudget.leftMs() <= 0) this.overIdleBudget();
  }

  // Work after the answer used more CPU than allowed: the isolate goes, and its connection hears why.
  overIdleBudget() {
    if (this.retired) return;
    const text =
      `[trickle] A warm isolate of this connection was disposed: ${this.idleBudget.describe()}. ` +
      "Timers or callbacks left running after a script answers must stay light (clear busy intervals before calling back).";
    this.onNotice({ connection: this.bridges.policy.connection, text });
    this.dispose();
  }

  // owner: the run the failed entry worked for (null: between runs). Only that run is blamed for the entry's
  // timeout. (A warm run begins only once its isolate is quiet, so another run cannot be active meanwhile.)
  onEntryError(error, owner) {
    const message = String(error && error.message);
    const active = this.active;
    if (/memory limit/i.test(message) || (this.isolate.isDisposed && !this.disposed)) {
      if (active) {
        this.finish(active, "error", {
          error: { name: "MemoryError", message: `Script exceeded the memory limit of ${this.memoryMb} MB` },
        });
      }
      this.dispose();
    } else if (this.disposed) {
      // Torn down on purpose (timeout, end of a fresh run): nothing to report.
    } else if (/timed out/i.test(message)) {
      if (active && active === owner) this.timedOut(active); // the run's own entry hit what was left of its deadline
      else this.overIdleBudget(); // leftover work of a warm isolate ran too long: recycle it
    } else if (active) {
      process.stderr.write(`scriptd worker: isolate entry failed: ${message}\n`);
      this.finish(active, "error", { error: { name: "InternalError", message: "The sandbox failed to run the script" } });
      this.dispose();
    } else {
      process.stderr.write(`scriptd worker: an entry into an idle isolate failed: ${message}\n`);
    }
  }

  onLog(tag, level, text) {
    if (this.active && this.active.tag === tag) return this.active.sink.log(String(level), String(text));
    return false; // a run that has answered: late output is not attributed to anyone else
  }

  onDone(tag, status, json) {
    const active = this.active;
    if (!active || active.tag !== tag) return;
    let body;
    try {
      body = status === "ok" ? { value: JSON.parse(json) } : { error: JSON.parse(json) };
    } catch (e) {
      status = "error";
      body = { error: { name: "InternalError", message: "The script's answer could not be read" } };
    }
    this.finish(active, status === "ok" ? "ok" : "error", body);
  }

  // The isolate's timers are its own (runtime.js): the host keeps one alarm, for when the earliest is due.
  onAlarm(ms) {
    clearTimeout(this.alarm);
    if (this.retired) return;
    const delay = Math.max(0, Math.min(Number(ms) || 0, 2147483647));
    alarmsSet++;
    this.alarm = setTimeout(() => this.enter("timer", "", ""), delay);
  }

  // id 0: the isolate does not wait for this answer (runtime.js callAsync), so it is not entered to settle it.
  // A negative id: the isolate's thread is blocked in the call (bridge.call) and gets the answer through
  // the memory it waits on; an isolate stopped meanwhile gets nothing.
  onBridgeAsync(id, name, method, args, bytes) {
    const answer = this.bridges.call(String(name), String(method), String(args), bytes instanceof ArrayBuffer ? bytes : undefined);
    const call = Number(id);
    if (call === 0) return;
    if (call < 0) {
      answer.then((envelope) => this.retired || this.syncAnswers.answer(-call, envelope));
      return;
    }
    answer.then((envelope) => {
      this.enter("settle", "", `{"id":${call},${envelope.slice(1)}`);
    });
  }

  // Stops everything that could enter the isolate again (timers, bridge answers); dispose() frees it.
  retire() {
    this.retired = true;
    this.stopIdleWatch();
    clearTimeout(this.alarm);
    this.bridges.close();
  }

  dispose() {
    if (this.disposed) return;
    this.disposed = true;
    this.retire();
    try {
      this.isolate.dispose();
    } catch (e) {
      // already disposed by V8 (memory limit)
    }
    this.tellQuiet();
    if (this.active) {
      this.finish(this.active, "error", { error: { name: "InternalError", message: "The sandbox stopped this script" } });
    }
  }
}

// WebAssembly's memory lives outside the isolate's heap limit: its namespace, reachable only through the
// global object, is removed before any code runs in the context.
function withoutWasm(context) {
  context.global.deleteSync("WebAssembly");
}

module.exports = { IsolateSlot, withoutWasm, alarmsSet: () => alarmsSet };
