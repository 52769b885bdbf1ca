// A scriptd worker: reads run requests as JSON lines on stdin, runs each in an isolate (fresh or
// warm) and writes its events as JSON lines on stdout. Started by the supervisor, normally inside
// bubblewrap; it knows nothing about Django.
"use strict";
// WebAssembly memory is outside every isolate's heap limit (a script grew a worker by 1 GB in 3 s).
// Node 24's V8 has no --no-expose-wasm any more: every isolate context has the global removed before
// anything runs in it (isolate-slot.js withoutWasm), and main() checks that this works.
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const ivm = require("isolated-vm");
const { onJsonLines } = require("../lines");
const { allowlist, loadSources } = require("./modules");
const { IsolateSlot, withoutWasm, alarmsSet } = require("./isolate-slot");
const { WarmPool, QueueTimeout } = require("./warm-pool");
const { FreshPool } = require("./fresh-pool");
const { RunSink } = require("./run-sink");
const { policyFrom } = require("./bridges/egress");
const { bridgeCalls } = require("./bridges");
const { declaredNames } = require("./script-names");
const netBridge = require("./bridges/net");
const dnsBridge = require("./bridges/dns");
const CEILINGS = require("../ceilings");
const { purposeOf } = require("../purpose");
const { hostWork } = require("./host-work");
const { TryGate, GateTimeout } = require("./try-gate");
const { guardMemory, committedMb } = require("./memory-guard");
const { lowerAutogroup } = require("./priority");

// The script kinds and their function names are not written down here: each request carries them
// (function_names), from the one source in Django (scripts_editor/scripts.py).
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
// A request must say its time limit and heap (Django holds those rules); they are only kept under
// scriptd's ceilings here. The output and socket caps have defaults of their own.
const LIMITS = {
  timeout_ms: { required: true, min: 1, max: CEILINGS.TIMEOUT_MS },
  memory_mb: { required: true, min: 8, max: CEILINGS.MEMORY_MB },
  log_lines: { default: 1000, min: 0, max: 100_000 },
  log_bytes: { default: 256 * 1024, min: 0, max: 16 * 1024 * 1024 },
  sockets: { default: 10, min: 0, max: 100 }, // open at once per connection, in this worker
};
const RESULT_MAX_BYTES = 1024 * 1024;

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

function textOption(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? null : String(process.argv[i + 1]);
}

function write(event) {
  process.stdout.write(JSON.stringify(event) + "\n");
}

function limitsOf(requested) {
  const out = {};
  for (const [name, { default: def, min, max }] of Object.entries(LIMITS)) {
    const value = Number.isFinite(requested?.[name]) ? Math.round(requested[name]) : def;
    out[name] = Math.min(max, Math.max(min, value ?? min));
  }
  return out;
}

function problemWith(request) {
  for (const [name, { required }] of Object.entries(LIMITS)) {
    if (required && !Number.isFinite(request.limits?.[name])) return `limits.${name} must be a number`;
  }
  if (typeof request.kind !== "string" || !/^[a-z_]{1,40}$/.test(request.kind)) return "kind must be a script key such as login";
  const names = request.function_names;
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === "string" && IDENTIFIER.test(n))) {
    return "function_names must be a non-empty list of function names";
  }
  if (typeof request.source !== "string") return "source must be a string";
  if (!Array.isArray(request.args)) return "args must be a list";
  if (request.mode !== "fresh" && request.mode !== "warm") return "mode must be fresh or warm";
  if (request.mode === "warm" && !request.connection) return "a warm run needs a connection id";
  return null;
}

// One-shot hashing (no Hash object): twice per run, on the login path.
const sha1 = (text) => crypto.hash("sha1", text);

function main() {
  // The worker's OS memory ceiling (supervisor/memory-ceiling.js): no isolate may be allowed a heap
  // limit that reaches it.
  const ceilingMb = option("memory-ceiling-mb", 0);
  if (ceilingMb) LIMITS.memory_mb.max = Math.min(LIMITS.memory_mb.max, Math.floor(ceilingMb / 2));
  guardMemory({
    ceilingMb,
    kind: process.argv.includes("--memory-ceiling-guard") ? "guard" : "kernel",
    onReached: (usedMb) => {
      write({ type: "memory_ceiling", used_mb: Math.round(usedMb), ceiling_mb: ceilingMb });
      process.stderr.write(`scriptd worker: memory ceiling reached (${Math.round(usedMb)} of ${ceilingMb} MB); exiting\n`);
      process.kill(process.pid, "SIGKILL"); // not exit(): that waits for isolates still running on their threads
    },
  });
  // A Try worker (supervisor/priority.js): its threads were started at this nice value; its autogroup too.
  const nice = option("autogroup-nice", 0);
  let priority = nice ? "setting the autogroup's nice value" : "normal";
  if (nice) {
    lowerAutogroup(nice).then((how) => {
      priority = `nice ${os.getPriority()}, ${how}`;
      if (!how.startsWith("autogroup nice ")) process.stderr.write(`scriptd worker: Try worker priority: ${priority}\n`);
    });
  }
  // The operator's additions (var/sandbox-modules, `python manage.py sandbox_modules add`), if any.
  const extraAt = process.argv.indexOf("--extra-modules");
  const { source, resolve, versions, bridged } = loadSources({
    extraDir: extraAt === -1 ? null : process.argv[extraAt + 1],
    includePending: process.argv.includes("--include-pending"), // only the throwaway scriptd of `sandbox_modules add`
  });
  const runtime = fs.readFileSync(path.join(__dirname, "..", "isolate", "runtime.js"), "utf8");
  const shared = {
    runtime,
    source,
    resolve,
    settingsJson: JSON.stringify({ allowlist, versions, bridged, refused: allowlist.refused, resultMaxBytes: RESULT_MAX_BYTES }),
    cachedData: undefined,
  };
  // Compile the runtime once to get V8's code cache; every new isolate then skips parsing it.
  const seed = new ivm.Isolate({ memoryLimit: 32 });
  shared.cachedData = seed.compileScriptSync(runtime, { filename: "trickle:runtime", produceCachedData: true }).cachedData;
  // The worker refuses to serve if isolates can still see WebAssembly (see the top of this file).
  const probe = seed.createContextSync();
  withoutWasm(probe);
  if (probe.evalSync("typeof WebAssembly") !== "undefined") {
    process.stderr.write("scriptd worker: WebAssembly is still available in isolates; exiting\n");
    process.exit(3);
  }
  seed.dispose();

  const onCatastrophic = (message) => {
    process.stderr.write(`scriptd worker: V8 lost control of an isolate (${message}); exiting\n`);
    process.abort();
  };
  // Notices for a connection's run history (an isolate disposed between runs): logged here at once,
  // and told to the connection's next run in this worker (warm runs of a connection always come here).
  const notices = new Map(); // connection -> [text]
  const onNotice = ({ connection, text }) => {
    process.stderr.write(`scriptd worker: connection ${connection || "(none)"}: ${text}\n`);
    if (!connection) return;
    if (!notices.has(connection) && notices.size >= 10_000) notices.delete(notices.keys().next().value);
    const list = notices.get(connection) || [];
    notices.set(connection, [...list, `${text} (${new Date().toISOString()})`].slice(-5));
  };
  const tellNotices = (connection, sink) => {
    const list = connection ? notices.get(connection) : null;
    if (!list) return;
    notices.delete(connection);
    for (const text of list) sink.log("warn", text);
  };
  const createSlot = (memoryMb) => new IsolateSlot({ shared, memoryMb, onCatastrophic, onNotice });
  const warm = new WarmPool({
    createSlot,
    perKey: option("warm-per-connection", 2),
    maxRuns: option("warm-max-runs", 1000),
    maxAgeMs: option("warm-max-age-s", 900) * 1000,
    maxIsolates: option("warm-max-isolates", 200),
  });
  const tryGate = new TryGate({ concurrency: option("try-concurrency", 2) });
  netBridge.configure({
    runBytes: option("net-run-max-bytes"),
    isolateBytes: option("net-isolate-max-bytes"),
    idleMs: option("net-idle-ms"),
    extraCa: textOption("extra-ca") && Buffer.from(textOption("extra-ca"), "base64").toString("utf8"),
  });
  dnsBridge.configure({ servers: (textOption("dns-server") || "").split(",").filter(Boolean) });
  const fresh = new FreshPool({ createSlot, spares: option("spare-isolates", 3), memoryMb: option("spare-memory-mb", null) });

  async function run(request) {
    const limits = limitsOf(request.limits);
    const sink = new RunSink({ tag: request.tag, limits, write });
    const problem = problemWith(request);
    if (problem) return sink.result("error", { error: { name: "BadRequest", message: problem } });
    const egress = Array.isArray(request.options?.egress_allowlist) ? request.options.egress_allowlist.map(String).sort() : [];
    const options = {
      enable_script_context: Boolean(request.options?.enable_script_context),
      legacy_globals: request.options?.legacy_globals !== false,
      egress_allowlist: egress, // part of the warm key: a changed allow-list gets new isolates
    };
    const policy = { ...policyFrom(egress, limits.sockets), connection: request.connection || "" };
    const sourceHash = sha1(request.source);
    const payload = JSON.stringify({
      kind: request.kind,
      function_names: request.function_names,
      source: request.source,
      source_hash: sourceHash,
      declared_names: declaredNames(request.source, sourceHash),
      args: request.args,
      context: request.context ?? {},
      configuration: request.configuration ?? {},
      options,
    });
    // What an isolate is set up with at its first run and keeps for its life (the runtime defines
    // `configuration` and the legacy globals once): part of the warm key, and the slot refuses a run
    // bound otherwise, so no run ever sees another run's configuration.
    const binding = sha1(JSON.stringify([request.configuration ?? {}, options]));
    const job = { tag: request.tag, sink, payload, timeoutMs: limits.timeout_ms, policy, binding, purpose: purposeOf(request) };
    let leaveGate = null;
    try {
      if (job.purpose === "try") {
        // Try runs take turns at this worker's gate (logins never wait there), for up to their time limit.
        try {
          leaveGate = await tryGate.enter(limits.timeout_ms, () => sink.waiting());
        } catch (e) {
          if (!(e instanceof GateTimeout)) throw e;
          return sink.result("timeout", {
            error: {
              name: "TimeoutError",
              message: `Script did not start within ${limits.timeout_ms} ms: the sandbox was busy with other Try runs (logins go first)`,
            },
          });
        }
      }
      if (request.mode === "fresh") {
        const slot = await fresh.acquire(limits.memory_mb);
        sink.started();
        tellNotices(request.connection, sink);
        await slot.run(job);
        fresh.release(slot); // timers and pending work of a Try run end with its answer
      } else {
        const key = [
          request.connection,
          request.revision ?? "",
          binding,
          limits.memory_mb,
        ].join("\u0000");
        // A run may wait in its connection's line (all its isolates busy) for up to its own time
        // limit; it answers `timeout` itself then, and its time limit proper starts with `started`.
        let slot;
        try {
          slot = await warm.acquire(key, limits.memory_mb, limits.timeout_ms, () => sink.waiting());
        } catch (e) {
          if (!(e instanceof QueueTimeout)) throw e;
          return sink.result("timeout", {
            error: {
              name: "TimeoutError",
              message: `Script did not start within ${limits.timeout_ms} ms: this connection's isolates in this worker were all busy with its earlier runs`,
            },
          });
        }
        sink.started();
        tellNotices(request.connection, sink);
        try {
          await slot.run(job);
        } finally {
          warm.release(key, slot);
        }
      }
    } catch (e) {
      process.stderr.write(`scriptd worker: run failed: ${e.stack}\n`);
      sink.result("crash", { error: { name: "InternalError", message: `The sandbox could not run the script: ${e.message}` } });
    } finally {
      if (leaveGate) leaveGate();
    }
  }

  function stats(request) {
    const memory = process.memoryUsage();
    write({
      tag: request.tag,
      type: "stats",
      pid: process.pid,
      node: process.version,
      uid: process.getuid(),
      rss_mb: memory.rss / 1048576,
      committed_mb: committedMb(),
      memory_ceiling_mb: ceilingMb,
      priority,
      warm_isolates: warm.size,
      spare_isolates: fresh.ready.length,
      fresh_runs: fresh.served,
      fresh_misses: fresh.misses, // fresh runs that found no prepared isolate and waited for one
      host_work: hostWork.stats(),
      bridge_calls: bridgeCalls(), // e.g. {"net.write": n}: crossings between isolates and host, since start
      timer_alarms: alarmsSet(), // host timers set for isolates' timers (one alarm per isolate, for its earliest)
      try_gate: tryGate.stats(),
      // modules whose V8 code cache this worker holds (compiled once, on the first require in any isolate)
      cached_modules: [...(shared.moduleCache || new Map()).keys()].sort(),
      // What a hostile script could reach if it broke out of V8: checked by the tests under bwrap.
      sees_host_files: fs.existsSync("/etc/passwd") || fs.existsSync(path.join(__dirname, "..", "..", "..", "manage.py")),
      env_keys: Object.keys(process.env),
    });
  }

  onJsonLines(process.stdin, 64 * 1024 * 1024, (message) => {
    if (!message || typeof message !== "object") return;
    if (message.type === "run") run(message);
    else if (message.type === "stats") stats(message);
  }, () => process.exit(2));
  process.stdin.on("end", () => process.exit(0));
  write({ type: "ready", pid: process.pid });
}

main();
