// scriptd: `node src/scriptd.js --socket PATH [--workers N] [--try-workers N] [--try-nice N] [--worker-memory-mb N]
// [--allow-unconfined] [--extra-modules DIR [--include-pending]] [worker options]`.
// Started by `python manage.py scriptd`, which passes the socket path from the settings and an empty environment.
"use strict";
// isolated-vm 7 is built for Node 24, and the V8 that holds untrusted code must still get fixes.
const MIN_NODE_MAJOR = 24;
if (Number(process.versions.node.split(".")[0]) < MIN_NODE_MAJOR) {
  process.stderr.write(
    `scriptd: needs Node ${MIN_NODE_MAJOR} or newer, but ${process.execPath} is Node ${process.version}. ` +
      "Run 'npm ci' in sandbox/ (it installs the official Node 24 binary as node_modules/.bin/node) " +
      "and start scriptd with that binary (python manage.py scriptd chooses it by itself).\n",
  );
  process.exit(1);
}
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");
const { spawnSync } = require("node:child_process");
const { chooseConfinement } = require("./supervisor/confinement");
const { chooseMemoryCeiling, defaultCeilingMb } = require("./supervisor/memory-ceiling");
const { Supervisor } = require("./supervisor/supervisor");
const { TRY_NICE, NICE } = require("./supervisor/priority");

const SANDBOX_DIR = path.resolve(__dirname, "..");
const WORKER_OPTIONS = [
  "warm-max-runs", "warm-max-age-s", "warm-max-isolates", "warm-per-connection", "spare-isolates", "spare-memory-mb", "try-concurrency",
  "net-run-max-bytes", "net-isolate-max-bytes", "net-idle-ms",
];
// Name servers for the scripts' dns.resolve* (host:port, comma-separated); the system's by default.
const DNS_SERVER = /^[0-9a-f.:[\]]+$/i;

// Authorities the workers trust besides Node's bundled roots, as Node's NODE_EXTRA_CA_CERTS: a PEM file
// of the operator's (an internal CA; a test's own). Read here, at start, and handed to the workers as
// base64 text: scripts never see the file. A script passing its own `ca` trusts that instead, as in Node.
function extraAuthorities(file) {
  const text = fs.readFileSync(path.resolve(file), "utf8");
  if (!/-----BEGIN CERTIFICATE-----/.test(text)) throw new Error(`--extra-ca-file ${file}: no PEM certificate in it`);
  return Buffer.from(text).toString("base64");
}

const log = (text) => process.stderr.write(`scriptd: ${text}\n`);

function parseArgs(argv) {
  const args = { workers: os.availableParallelism(), tryNice: TRY_NICE, allowUnconfined: false, workerArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, "");
    if (name === "allow-unconfined") args.allowUnconfined = true;
    else if (name === "socket") args.socket = path.resolve(argv[++i]);
    else if (name === "workers") args.workers = Math.max(1, Number(argv[++i]));
    else if (name === "try-workers") args.tryWorkers = Math.max(0, Number(argv[++i])); // 0: Try runs share login workers
    else if (name === "try-nice") args.tryNice = Math.min(19, Math.max(0, Number(argv[++i])));
    else if (name === "extra-modules") args.extraModules = path.resolve(argv[++i]); // sandbox_modules add
    else if (name === "include-pending") args.includePending = true; // the add command's load check
    else if (name === "worker-memory-mb") args.workerMemoryMb = Math.max(0, Number(argv[++i])); // 0: no ceiling
    else if (WORKER_OPTIONS.includes(name)) args.workerArgs.push(`--${name}`, String(Number(argv[++i])));
    else if (name === "dns-server" && DNS_SERVER.test(argv[i + 1].replace(/,/g, ""))) args.workerArgs.push("--dns-server", argv[++i]);
    else if (name === "extra-ca-file") args.workerArgs.push("--extra-ca", extraAuthorities(argv[++i]));
    else throw new Error(`unknown option ${argv[i]}`);
  }
  if (!args.socket) throw new Error("--socket PATH is required");
  // As many Try runs at once as when they shared the first half of the login workers.
  args.tryWorkers ??= Math.max(1, Math.floor(args.workers / 2));
  return args;
}

// The module bundles are build output: (re)build them when missing or older than their inputs.
function ensureBundles() {
  const manifest = path.join(SANDBOX_DIR, "dist", "manifest.json");
  const inputs = ["build.mjs", "package-lock.json", "catalog.json"];
  for (const dir of ["src/isolate/modules", "src/isolate/packages"]) inputs.push(...fs.readdirSync(path.join(SANDBOX_DIR, dir)).map((f) => `${dir}/${f}`));
  const built = fs.existsSync(manifest) ? fs.statSync(manifest).mtimeMs : 0;
  if (inputs.every((f) => fs.statSync(path.join(SANDBOX_DIR, f)).mtimeMs <= built)) return;
  log("building the module bundles (npm run build)");
  const result = spawnSync(process.execPath, ["build.mjs"], { cwd: SANDBOX_DIR, stdio: ["ignore", "ignore", "inherit"] });
  if (result.status !== 0) throw new Error("building the module bundles failed; run 'npm ci && npm run build' in sandbox/");
}

// Refuses to take over the socket of a scriptd that is still running; removes a stale one.
function claimSocket(socketPath) {
  return new Promise((resolve, reject) => {
    if (!fs.existsSync(socketPath)) return resolve();
    const probe = net.connect(socketPath);
    probe.on("connect", () => {
      probe.destroy();
      reject(new Error(`another scriptd is already listening on ${socketPath}`));
    });
    probe.on("error", () => {
      fs.unlinkSync(socketPath);
      resolve();
    });
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  ensureBundles();
  // Made now if missing: bubblewrap binds only folders that exist, and packages may be added later.
  if (args.extraModules) {
    try {
      fs.mkdirSync(args.extraModules, { recursive: true });
    } catch (e) {
      log(`WARNING: ${args.extraModules} cannot be made (${e.code}): packages added there are not served`);
    }
  }
  const extraDirs = args.extraModules ? [args.extraModules] : [];
  const confinement = chooseConfinement(SANDBOX_DIR, { allowUnconfined: args.allowUnconfined, extraDirs });
  if (confinement.warning) {
    log(`WARNING: workers run WITHOUT bubblewrap containment: ${confinement.warning}. ` +
      "Scripts stay inside V8 isolates, but a V8 escape would reach this machine as this user. " +
      "Install bubblewrap (apt-get install bubblewrap) for production.");
  }
  await claimSocket(args.socket);
  const all = args.workers + args.tryWorkers;
  const ceiling = chooseMemoryCeiling({ workers: all, ceilingMb: args.workerMemoryMb ?? defaultCeilingMb(all) });
  const workerArgv = [
    "--no-node-snapshot",
    path.join(SANDBOX_DIR, "src", "host", "worker.js"),
    ...args.workerArgs,
    ...(args.extraModules ? ["--extra-modules", args.extraModules] : []),
    ...(args.includePending ? ["--include-pending"] : []),
    ...(ceiling.ceilingMb ? ["--memory-ceiling-mb", String(ceiling.ceilingMb)] : []),
    ...(ceiling.kind === "guard" ? ["--memory-ceiling-guard"] : []),
  ];
  const supervisor = new Supervisor({
    socketPath: args.socket,
    workers: args.workers,
    tryWorkers: args.tryWorkers,
    tryNice: args.tryNice,
    confinement,
    ceiling,
    workerArgv,
    log,
  });
  await supervisor.listen();
  const memory =
    ceiling.kind === "none"
      ? "no memory ceiling"
      : `memory ceiling ${ceiling.ceilingMb} MB per worker, enforced by ${ceiling.mechanism}${ceiling.note ? ` (no cgroup: ${ceiling.note})` : ""}`;
  const tryRuns = args.tryWorkers
    ? `${args.tryWorkers} Try worker(s) at nice ${args.tryNice}${NICE ? "" : " (no nice binary: normal priority)"}`
    : "Try runs on the first half of the login workers";
  log(
    `listening on ${args.socket} with ${args.workers} login workers and ${tryRuns} ` +
      `(${confinement.confined ? "bubblewrap" : "unconfined"}, ${memory})`,
  );
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    supervisor.stop().finally(() => process.exit(0));
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  process.on("SIGHUP", shutdown);
}

main().catch((e) => {
  log(e.message);
  process.exit(1);
});
