// The environment of an action script, evaluated once inside each new isolate (never in the host).
// The host passes its entry points as arguments; they live only in this closure, so scripts never
// see them. Everything here is strict mode: V8 then hides these frames' functions and receivers from
// `Error.prepareStackTrace` call sites and from `fn.caller`.
(function bootstrap(hostLog, hostDone, hostTimer, hostModule, hostResolve, hostBridgeAsync, syncMemory, hostTakeAnswer, settingsJson, rehearse, hostDrain) {
  "use strict";
  const g = globalThis;
  const { apply } = Reflect;
  const { parse, stringify } = JSON;
  const { defineProperty, freeze, isFrozen, getOwnPropertyNames, hasOwn } = Object;
  const indirectEval = eval;
  const settings = parse(settingsJson);
  // bridged: modules that get `bridge` (src/host/modules.js); refused: built-ins refused with a reason.
  const { allowlist, versions, resultMaxBytes, bridged = [], refused = allowlist.refused || {} } = settings;

  // hostDone, hostTimer (the alarm) and hostBridgeAsync answer nothing, so the isolate does not wait for the worker's
  // thread to take them: they queue there (isolate-slot.js). That queue is host memory, outside the
  // isolate's heap limit, so every POSTS_BEFORE_DRAIN calls or DRAIN_BYTES the isolate waits until the
  // worker has taken all of them (hostDrain is a synchronous call, queued behind them).
  const POSTS_BEFORE_DRAIN = 256;
  const DRAIN_BYTES = 1024 * 1024;
  let posts = 0;
  let postedBytes = 0;
  function post(fn, args, size) {
    apply(fn, undefined, args);
    posts++;
    postedBytes += size;
    if (posts >= POSTS_BEFORE_DRAIN || postedBytes >= DRAIN_BYTES) {
      posts = 0;
      postedBytes = 0;
      hostDrain();
    }
  }

  // The run whose code is executing now. Every entry from the host (run, timer, bridge answer) sets
  // it, so console lines and late errors are attributed to the run that scheduled the work.
  let currentRun = "";
  const pending = new Map(); // run tag -> answer(error, value, how) while that run has not answered

  // ---- console -------------------------------------------------------------------------------
  function format(args) {
    let plain = true;
    for (let i = 0; i < args.length; i++) {
      if (typeof args[i] !== "string" || (i === 0 && args[i].includes("%"))) plain = false;
    }
    if (plain) return args.join(" ");
    try {
      return apply(loadModule("util").format, undefined, args);
    } catch (e) {
      return args.map((a) => String(a)).join(" ");
    }
  }
  function emit(level, args) {
    if (currentRun) hostLog(currentRun, level, format(args));
  }
  const console = {
    log: (...a) => emit("log", a),
    info: (...a) => emit("info", a),
    warn: (...a) => emit("warn", a),
    error: (...a) => emit("error", a),
    debug: (...a) => emit("log", a),
    trace: (...a) => emit("log", a),
    dir: (o) => emit("log", [o]),
  };
  function note(text) {
    if (currentRun) hostLog(currentRun, "warn", "[trickle] " + text);
  }

  // ---- Auth0's error classes (fields as auth0-authz-rules-api sets them) ----------------------
  class WrongUsernameOrPasswordError extends Error {
    constructor(user_id, message) {
      super(message || "Wrong email or password.");
      this.name = "WrongUsernameOrPasswordError";
      this.code = "wrongusernameorpassword";
      this.user_id = user_id;
      this.statusCode = 400;
    }
  }
  class ValidationError extends Error {
    constructor(code, message) {
      super(message);
      this.name = "ValidationError";
      this.code = code;
      this.description = message;
      this.statusCode = 400;
    }
  }
  class UnauthorizedError extends Error {
    constructor(message) {
      super(message);
      this.name = "UnauthorizedError";
      this.code = "unauthorized";
      this.description = message;
      this.statusCode = 401;
    }
  }

  // ---- timers (the host owns the clock: it enters the isolate when the earliest one is due) ----
  // The isolate keeps its timers and the host one alarm, for the earliest. So clearing a timer, or setting
  // one due after the alarm, costs no call to the host: a database pool's idle timer, cleared and set
  // again at every login, cost two host calls per login. An alarm whose timer was cleared finds nothing
  // due and sets the next. One timer fires per entry, so its microtasks run before the next, as in Node.
  const timers = new Map(); // id -> { fn, args, run, repeat, delay, due }
  const MAX_TIMERS = 10_000; // pending at once in one isolate
  let nextTimerId = 1;
  const clock = Date.now; // taken before any script runs: a script replacing Date.now cannot move its timers
  let alarmAt = Infinity; // when the host's alarm goes off (clock() time), if set
  function arm(due) {
    if (due >= alarmAt) return;
    alarmAt = due;
    post(hostTimer, [Math.max(0, due - clock())], 0);
  }
  class Timeout {
    constructor(id) {
      this._id = id;
    }
    ref() {
      return this;
    }
    unref() {
      return this;
    }
    hasRef() {
      return true;
    }
    // Starts the timer's delay again from now (Node's timeout.refresh()).
    refresh() {
      const timer = timers.get(this._id);
      if (timer) {
        timer.due = clock() + timer.delay;
        arm(timer.due);
      }
      return this;
    }
    [Symbol.toPrimitive]() {
      return this._id;
    }
  }
  function schedule(fn, ms, args, repeat) {
    if (typeof fn !== "function") throw new TypeError('The "callback" argument must be of type function');
    if (timers.size >= MAX_TIMERS) throw new RangeError(`Too many pending timers (limit ${MAX_TIMERS})`);
    const id = nextTimerId++;
    const delay = Math.max(0, Math.min(Number(ms) || 0, 2147483647));
    const due = clock() + delay;
    timers.set(id, { fn, args, run: currentRun, repeat, delay, due });
    arm(due);
    return new Timeout(id);
  }
  function unschedule(handle) {
    timers.delete(handle !== null && typeof handle === "object" ? handle._id : Number(handle));
  }
  // The host's alarm went off: the earliest due timer fires (ties: the first set), then the alarm is set
  // for the earliest one left.
  function onAlarm() {
    alarmAt = Infinity;
    const now = clock();
    let first = null;
    for (const entry of timers) if (entry[1].due <= now && (first === null || entry[1].due < first[1].due)) first = entry;
    if (first !== null) fireTimer(first[0], first[1], now);
    let next = Infinity;
    for (const timer of timers.values()) if (timer.due < next) next = timer.due;
    if (next !== Infinity) arm(next);
  }
  function fireTimer(id, timer, now) {
    currentRun = timer.run;
    if (timer.repeat) timer.due = now + Math.max(1, timer.delay);
    else timers.delete(id);
    try {
      apply(timer.fn, undefined, timer.args);
    } catch (e) {
      uncaught(e);
    }
  }
  // Like Node's uncaughtException: the run that scheduled the failing code fails with it.
  function uncaught(error) {
    const answer = pending.get(currentRun);
    if (answer) answer(thrown(error), undefined, "uncaught");
  }
  // `throw null`, `throw undefined` and `Promise.reject()` are failures too; only a callback's
  // null or undefined first argument means success.
  function thrown(value) {
    return value === null || value === undefined ? new Error(`The script threw ${value}`) : value;
  }

  // ---- bridges: JSON-only calls to the host (see src/host/bridges) ---------------------------
  const asyncCalls = new Map();
  let nextCallId = 1;
  function bridgeError(e) {
    const error = new (e.name === "TypeError" ? TypeError : e.name === "RangeError" ? RangeError : Error)(e.message);
    if (e.code) error.code = e.code;
    // Plain values a driver error carries (a database's `detail`, `errno`, `sqlState`...).
    if (e.fields) for (const key of getOwnPropertyNames(e.fields)) if (key !== "stack" && !hasOwn(error, key)) error[key] = e.fields[key];
    return error;
  }
  const listeners = new Map(); // channel -> handler of host events (bridge.listen)
  // A blocking call is posted like one that waits for nothing, under the negative of its number, and this
  // thread sleeps on syncMemory until the host has written the answer there (src/host/sync-answers.js has
  // the layout): one wake-up per call. Scripts never see syncMemory or these views.
  // Not while the host itself waits on this isolate (a synchronous entry, `hostWaits`): that entry runs
  // on the worker's thread, the one that would have to answer.
  const IDLE = 0; // the state word: IDLE, the number of the call waited for, or the host's ANSWERED (-1)
  const syncWords = new Int32Array(syncMemory, 0, 2);
  const syncChars = new Uint16Array(syncMemory, 8);
  const { load: atomicLoad, store: atomicStore, wait: atomicWait } = Atomics;
  const { fromCharCode } = String;
  let syncCalls = 0;
  let hostWaits = false;
  function callAndWait(name, method, json) {
    if (hostWaits) throw new Error(`${name}.${method}: a blocking call cannot be made while the sandbox loads a module`);
    syncCalls = (syncCalls % 0x7fffffff) + 1;
    const call = syncCalls;
    atomicStore(syncWords, 0, call);
    post(hostBridgeAsync, [-call, name, method, json], json.length);
    while (atomicLoad(syncWords, 0) === call) atomicWait(syncWords, 0, call);
    const length = syncWords[1];
    atomicStore(syncWords, 0, IDLE);
    if (length < 0) return hostTakeAnswer();
    let text = "";
    let i = 0;
    for (; i + 8 <= length; i += 8) {
      const c = syncChars; // eight code units per call
      text += fromCharCode(c[i], c[i + 1], c[i + 2], c[i + 3], c[i + 4], c[i + 5], c[i + 6], c[i + 7]);
    }
    for (; i < length; i++) text += fromCharCode(syncChars[i]);
    return text;
  }
  const bridge = freeze({
    // Host events (socket data, ...) of `channel` go to fn(fields, bytes, enter); the handler calls
    // enter(run) with the run its object belongs to, so logs and uncaught errors go to that run.
    listen(channel, fn) {
      listeners.set(channel, fn);
    },
    // The run executing now, for objects (sockets) that remember whose events they carry.
    currentRun: () => currentRun,
    call(name, method, args) {
      const reply = parse(callAndWait(name, method, stringify(args)));
      if (reply.error) throw bridgeError(reply.error);
      return reply.value;
    },
    // `bytes`: an optional ArrayBuffer or view, sent to the host as a copy. `done` null: nobody waits for
    // the answer, and the host does not enter the isolate to give it (net.js: most socket writes).
    callAsync(name, method, args, done, bytes) {
      const id = done ? nextCallId++ : 0;
      if (done) asyncCalls.set(id, { done, run: currentRun });
      const json = stringify(args);
      if (bytes === undefined) post(hostBridgeAsync, [id, name, method, json], json.length);
      else post(hostBridgeAsync, [id, name, method, json, bytes], json.length + bytes.byteLength);
    },
  });
  function hostEvent(channel, payload, bytes) {
    const handler = listeners.get(channel);
    if (!handler) return;
    try {
      handler(parse(payload), bytes, (run) => {
        currentRun = run;
      });
    } catch (e) {
      uncaught(e);
    }
  }
  function settleBridge(payload) {
    const { id, error, value } = parse(payload);
    const call = asyncCalls.get(id);
    if (!call) return;
    asyncCalls.delete(id);
    currentRun = call.run;
    try {
      call.done(error ? bridgeError(error) : null, value);
    } catch (e) {
      uncaught(e);
    }
  }

  // ---- require --------------------------------------------------------------------------------
  const cache = new Map();
  const factories = new Map(); // name -> module function compiled by the host, until loadModule takes it
  const mapSet = Map.prototype.set;
  // Node's `process` (src/isolate/node/process.js): modules get it as a wrapper argument, scripts as a global.
  const getProcess = () => loadModule("process");
  function moduleError(message) {
    const error = new Error(message);
    error.code = "MODULE_NOT_FOUND";
    return error;
  }
  // packages: the catalog's package names, when the host says the name is none of them.
  function notFound(spec, packages = null) {
    if (hasOwn(refused, spec.replace(/^node:/, ""))) {
      return moduleError(`Cannot find module '${spec}': ${refused[spec.replace(/^node:/, "")]} (sandbox/allowlist.json).`);
    }
    const builtins = Object.keys(allowlist.modules).concat(Object.keys(allowlist.aliases)).sort().join(", ");
    return moduleError(
      `Cannot find module '${spec}'. Trickle's sandbox serves Node's built-ins ${builtins}` +
        (packages ? ` and these npm packages (their versions: the "Can I require?" page): ${packages.join(", ")}` : "") +
        " (sandbox/allowlist.json, sandbox/catalog.json). An operator can add a package: python manage.py sandbox_modules add NAME@VERSION.",
    );
  }
  // Serves allow-listed modules to scripts and, to the bundles themselves, the internal helpers
  // they were built against (e.g. `stream`).
  function loadModule(spec) {
    // Bundles ask for built-ins as "node:x" or "x/" (the npm port's spelling): one module either way.
    const name = spec.replace(/^node:/, "").replace(/\/$/, "");
    const cached = cache.get(name);
    if (cached) return cached.exports;
    // The host compiles the module's wrapper (with the worker's V8 code cache) and hands the function in
    // through dispatch("factory") before it returns true.
    if (hostModule(name) !== true || !factories.has(name)) throw notFound(name);
    const factory = factories.get(name);
    factories.delete(name);
    const module = { exports: {} };
    cache.set(name, module);
    try {
      const isBridge = bridged.includes(name);
      const proc = name === "process" ? undefined : getProcess();
      apply(factory, module.exports, [module, module.exports, loadModule, proc, isBridge ? bridge : undefined]);
    } catch (e) {
      cache.delete(name);
      throw e;
    }
    return module.exports;
  }
  // require(spec) -> the host's answer for a catalog package: { key, version, note } or { error } or
  // { unknown, packages }. Answers that serve a module are kept per isolate: the same pin, the same version.
  const resolutions = new Map();
  function require(spec) {
    if (typeof spec !== "string") throw new TypeError('The "id" argument must be of type string');
    const name = spec.startsWith("node:") ? spec.slice(5) : spec;
    // Node's built-ins and the bridges (allowlist.json) have no versions: a pin on them is only noted.
    const pinned = /^(@?[^@]+)@(.+)$/.exec(name);
    const bare = pinned ? pinned[1] : name;
    const builtin = hasOwn(allowlist.aliases, bare) ? allowlist.aliases[bare] : bare;
    if (hasOwn(allowlist.modules, builtin)) {
      if (pinned) {
        const served = versions[builtin] ? `${builtin} ${versions[builtin]}` : builtin;
        note(`require('${spec}'): version pin noted; serving ${served}`);
      }
      return loadModule(builtin);
    }
    if (spec.startsWith("node:") || hasOwn(refused, name)) throw notFound(spec);
    // Every npm package comes from the catalog (sandbox/catalog.json): the host picks the version.
    const answer = resolutions.get(name) || parse(hostResolve(name));
    if (answer && answer.key) resolutions.set(name, answer); // a refusal is asked again: a package may be added
    if (answer === null || answer.unknown) throw notFound(spec, answer && answer.packages);
    if (answer.error) throw moduleError(answer.error);
    if (answer.note) note(answer.note);
    return loadModule(answer.key);
  }

  // ---- standard globals --------------------------------------------------------------------------
  function lazyGlobal(name, get) {
    defineProperty(g, name, {
      configurable: true,
      get() {
        const value = get();
        defineProperty(g, name, { value, writable: true, configurable: true });
        return value;
      },
      set(value) {
        defineProperty(g, name, { value, writable: true, configurable: true });
      },
    });
  }
  class TextEncoder {
    get encoding() {
      return "utf-8";
    }
    encode(input = "") {
      const bytes = loadModule("buffer").Buffer.from(String(input), "utf8");
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    }
    // The @aws-sdk v3 clients write UTF-8 straight into their buffers with it.
    encodeInto(input, destination) {
      const bytes = this.encode(input);
      let written = bytes.length;
      if (written > destination.length) {
        written = destination.length;
        while (written > 0 && (bytes[written] & 0xc0) === 0x80) written--; // never split a character
      }
      destination.set(bytes.subarray(0, written));
      const read = new TextDecoder().decode(bytes.subarray(0, written)).length;
      return { read, written };
    }
  }
  class TextDecoder {
    constructor(encoding = "utf-8") {
      if (!/^utf-?8$/i.test(encoding)) throw new RangeError(`The "${encoding}" encoding is not supported`);
    }
    get encoding() {
      return "utf-8";
    }
    decode(input) {
      if (input === undefined) return "";
      const { Buffer } = loadModule("buffer");
      const view = ArrayBuffer.isView(input) ? Buffer.from(input.buffer, input.byteOffset, input.byteLength) : Buffer.from(input);
      return view.toString("utf8").replace(/^\uFEFF/, "");
    }
  }
  const standardTimeOrigin = Date.now();
  // Node's global structuredClone (jose 6 clones JWKs with it), for the values scripts pass around:
  // plain objects and arrays, Date, RegExp, Map, Set, ArrayBuffer and its views; cycles kept.
  function structuredClone(value, seen = new Map()) {
    if (value === null || typeof value !== "object") {
      if (typeof value === "function" || typeof value === "symbol") throw Object.assign(new Error(`${String(value)} could not be cloned.`), { name: "DataCloneError" });
      return value;
    }
    if (seen.has(value)) return seen.get(value);
    const keep = (copy) => (seen.set(value, copy), copy);
    if (value instanceof Date) return keep(new Date(value.getTime()));
    if (value instanceof RegExp) return keep(new RegExp(value.source, value.flags));
    if (value instanceof ArrayBuffer) return keep(value.slice(0));
    if (ArrayBuffer.isView(value)) {
      const buffer = structuredClone(value.buffer, seen);
      const Kind = value instanceof DataView ? DataView : globalThis[value[Symbol.toStringTag]] || Uint8Array;
      return keep(new Kind(buffer, value.byteOffset, value instanceof DataView ? value.byteLength : value.length));
    }
    if (value instanceof Map) {
      const copy = keep(new Map());
      for (const [k, v] of value) copy.set(structuredClone(k, seen), structuredClone(v, seen));
      return copy;
    }
    if (value instanceof Set) {
      const copy = keep(new Set());
      for (const v of value) copy.add(structuredClone(v, seen));
      return copy;
    }
    const copy = keep(Array.isArray(value) ? [] : {});
    for (const key of Object.keys(value)) copy[key] = structuredClone(value[key], seen);
    return copy;
  }

  const standard = {
    global: g,
    structuredClone: (value) => structuredClone(value),
    console,
    require,
    WrongUsernameOrPasswordError,
    ValidationError,
    UnauthorizedError,
    setTimeout: (fn, ms, ...args) => schedule(fn, ms, args, false),
    setInterval: (fn, ms, ...args) => schedule(fn, ms, args, true),
    setImmediate: (fn, ...args) => schedule(fn, 0, args, false),
    clearTimeout: unschedule,
    clearInterval: unschedule,
    clearImmediate: unschedule,
    queueMicrotask: (fn) => {
      Promise.resolve().then(() => {
        try {
          fn();
        } catch (e) {
          uncaught(e);
        }
      });
    },
    TextEncoder,
    TextDecoder,
    // Node's global performance clock (mongodb 6.x times its operations with it), in milliseconds.
    performance: freeze({ timeOrigin: standardTimeOrigin, now: () => Date.now() - standardTimeOrigin }),
    atob: (data) => loadModule("buffer").Buffer.from(String(data), "base64").toString("latin1"),
    btoa: (data) => {
      const text = String(data);
      // eslint-disable-next-line no-control-regex -- the Latin-1 range starts at U+0000 on purpose
      if (/[^\u0000-\u00ff]/.test(text)) throw new Error("Invalid character");
      return loadModule("buffer").Buffer.from(text, "latin1").toString("base64");
    },
  };
  for (const name of getOwnPropertyNames(standard)) {
    defineProperty(g, name, { value: standard[name], writable: true, configurable: true });
  }
  lazyGlobal("Buffer", () => loadModule("buffer").Buffer);
  lazyGlobal("process", getProcess);
  lazyGlobal("URL", () => loadModule("url").URL);
  lazyGlobal("URLSearchParams", () => loadModule("url").URLSearchParams);
  // The fetch API, served by the real node-fetch 2 over the sandbox's http layer.
  for (const name of ["fetch", "Headers", "Request", "Response"]) {
    lazyGlobal(name, () => (name === "fetch" ? require("node-fetch") : require("node-fetch")[name]));
  }
  for (const name of ["AbortController", "AbortSignal"]) lazyGlobal(name, () => loadModule("abort")[name]);
  for (const name of ["Blob", "FormData"]) lazyGlobal(name, () => loadModule("formdata")[name]);

  // ---- the script ------------------------------------------------------------------------------
  function deepFreeze(value) {
    if (value !== null && typeof value === "object" && !isFrozen(value)) {
      freeze(value);
      for (const key of getOwnPropertyNames(value)) deepFreeze(value[key]);
    }
    return value;
  }
  // `wanted`: the function names the request gave for this kind, in order of preference; `declared`: the
  // names the script declares at its top level (src/host/script-names.js), the candidates when it defines
  // none of the wanted ones.
  function compile(kind, wanted, source, declared) {
    const others = declared.filter((n) => !wanted.includes(n));
    const probe = (n) => `typeof ${n} === "function" ? ${n} : undefined`;
    const tail = `\n;return [[${wanted.map(probe).join(",")}], [${others.map(probe).join(",")}]];\n})`;
    let found;
    try {
      found = indirectEval(`(function () {${source}${tail}\n//# sourceURL=${kind}.js`)();
    } catch (e) {
      // Auth0 also accepts a script that is one anonymous function expression.
      if (!(e instanceof SyntaxError)) throw e;
      let fn;
      try {
        fn = indirectEval(`(function () { return (${source}\n); })\n//# sourceURL=${kind}.js`)();
      } catch (ignored) {
        throw e;
      }
      if (typeof fn !== "function") throw e;
      return fn;
    }
    const named = found[0].find((f) => f !== undefined);
    if (named) return named;
    const top = found[1].filter((f) => f !== undefined);
    if (top.length === 1) return top[0];
    throw new TypeError(
      `The ${kind} script must define a function named ${wanted.join(" or ")}` +
        (top.length > 1 ? ` (found ${top.length} top-level functions, so none can be chosen)` : " (or be a single function)"),
    );
  }

  // Early runtimes' magic globals were functions as well as modules: `postgres(conString, cb)` is
  // pg.connect, `mysql(config)` is mysql.createConnection ("module#member" in allowlist.json).
  function callableModule(module, member) {
    const fn = function (...args) {
      return apply(module[member], module, args);
    };
    for (const key of getOwnPropertyNames(module)) if (key !== "length" && key !== "name" && key !== "prototype") fn[key] = module[key];
    return fn;
  }

  // One isolate serves every script of a connection revision (they share `global`, as in Auth0);
  // each script is compiled on its first run and kept, keyed by kind, function names and source hash.
  // `configuration` and the legacy globals are defined at the isolate's first run, for its life: the host
  // (isolate-slot.js) binds the isolate to that run's configuration and refuses runs bound otherwise.
  const entries = new Map();
  let configured = false;
  function entryFor(p) {
    if (!configured) {
      configured = true;
      defineProperty(g, "configuration", { value: deepFreeze(p.configuration || {}), writable: false, configurable: false });
      if (p.options.legacy_globals) {
        for (const name of allowlist.legacy_globals) {
          const [target, member] = (allowlist.legacy_global_modules[name] || allowlist.aliases[name] || name).split("#");
          lazyGlobal(name, () => (member ? callableModule(require(target), member) : require(target)));
        }
      }
    }
    const key = p.kind + ":" + p.function_names.join(",") + ":" + p.source_hash;
    if (!entries.has(key)) entries.set(key, compile(p.kind, p.function_names, p.source, p.declared_names || []));
    return entries.get(key);
  }

  // ---- answers -------------------------------------------------------------------------------
  function text(value, max) {
    if (value === undefined || value === null) return undefined;
    const s = typeof value === "string" ? value : String(value);
    return s.length > max ? s.slice(0, max) + "…" : s;
  }
  function describeError(err) {
    if (err === null || (typeof err !== "object" && typeof err !== "function")) {
      return { name: "Error", message: text(err, 10000) || "" };
    }
    const read = (key) => {
      try {
        return err[key];
      } catch (e) {
        return undefined;
      }
    };
    const status = read("statusCode") ?? read("status_code") ?? read("status");
    const stack = text(read("stack"), 20000);
    return {
      name: text(read("name"), 200) || "Error",
      message: text(read("message"), 10000) || "",
      code: typeof read("code") === "number" ? read("code") : text(read("code"), 200),
      description: text(read("description"), 10000),
      user_id: text(read("user_id"), 1000),
      statusCode: Number.isInteger(status) ? status : undefined,
      stack: stack && stack.split("\n").filter((line) => !line.includes("trickle:")).join("\n"),
    };
  }
  function serialise(value) {
    let json;
    try {
      json = value === undefined ? "null" : stringify(value);
    } catch (e) {
      return { error: { name: "TypeError", message: `The script's result cannot be sent back as JSON: ${e.message}` } };
    }
    if (json === undefined) json = "null"; // e.g. a function
    if (json.length > resultMaxBytes) {
      return { error: { name: "RangeError", message: `The script's result is larger than ${resultMaxBytes} bytes` } };
    }
    return { json };
  }
  // The answer is worked out when the callback fires but sent from a microtask, so that a second
  // callback in the same turn, or the promise of an async function that also called back, is still
  // noted in this run's log before its result closes it.
  function makeAnswer(tag) {
    let answered = false;
    let held = null; // the answer, while the script's synchronous part is still running
    const send = (status, json) => Promise.resolve().then(() => post(hostDone, [tag, status, json], json.length));
    const answer = function answer(err, value, how) {
      if (answered) {
        if (how === "callback") note("callback was called more than once; this call is ignored");
        else if (how === "promise") note("the returned promise settled after the run had answered; ignored");
        return;
      }
      answered = true;
      pending.delete(tag);
      let status = "ok";
      let json;
      if (err !== null && err !== undefined) [status, json] = ["error", stringify(describeError(err))];
      else {
        const out = serialise(value);
        if (out.error) [status, json] = ["error", stringify(out.error)];
        else json = out.json;
      }
      if (answer.holding) held = [status, json];
      else send(status, json);
    };
    answer.holding = true;
    answer.release = () => {
      answer.holding = false;
      if (held) send(held[0], held[1]);
    };
    return answer;
  }

  function run(tag, payload) {
    currentRun = tag;
    const p = parse(payload);
    const answer = makeAnswer(tag);
    pending.set(tag, answer);
    try {
      start(p, answer, () => entryFor(p));
    } finally {
      answer.release();
    }
  }

  // A prepared isolate's rehearsal, before any tenant's run (src/host/fresh-pool.js): the run path end
  // to end (compile, call, callback, answer) on a script of our own, so V8 has
  // compiled these functions before a real run needs them. It leaves nothing behind that a run could
  // see: no `configuration` or legacy globals (entryFor is never called, `configured` stays false), no
  // compiled entry, no pending answer; its answers go to the host under the empty tag, which no run has.
  function warmUp() {
    const source = "function login(email, password, callback) { callback(null, { user_id: email }); }";
    currentRun = "";
    const answer = makeAnswer("");
    pending.set("", answer);
    try {
      start({ args: ["warm-up", ""], options: { enable_script_context: false } }, answer, () => compile("login", ["login"], source, ["login"]));
    } finally {
      answer.release();
    }
    deepFreeze({ warm: { up: [1] } });
  }

  function start(p, answer, entryOf) {
    let entry;
    try {
      entry = entryOf();
    } catch (e) {
      answer(thrown(e), undefined, "setup");
      return;
    }
    const args = p.args.slice();
    if (p.options.enable_script_context) args.push(p.context || {});
    args.push(function callback(err, value) {
      answer(err, value, "callback");
    });
    let returned;
    try {
      returned = apply(entry, undefined, args);
    } catch (e) {
      answer(thrown(e), undefined, "throw");
      return;
    }
    if (returned !== null && typeof returned === "object" && typeof returned.then === "function") {
      // An async function that answers through `callback` resolves to undefined: that is not an answer.
      try {
        returned.then(
          (value) => value !== undefined && answer(null, value, "promise"),
          (error) => answer(thrown(error), undefined, "promise"),
        );
      } catch (e) {
        answer(thrown(e), undefined, "throw");
      }
    }
  }

  if (rehearse === true) warmUp();
  return function dispatch(op, tag, payload, bytes) {
    if (op === "run") run(tag, payload);
    else if (op === "timer") onAlarm();
    else if (op === "settle") settleBridge(payload);
    else if (op === "event") hostEvent(tag, payload, bytes);
    else if (op === "factory" && typeof payload === "function") {
      // The host's synchronous entry (isolate-slot.js moduleFactory): Map.prototype.set as it was before
      // any script could replace it, and no blocking call from whatever a script slipped in.
      hostWaits = true;
      try {
        apply(mapSet, factories, [tag, payload]);
      } finally {
        hostWaits = false;
      }
    }
  };
});
