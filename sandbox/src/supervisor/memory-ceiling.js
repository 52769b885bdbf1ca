// An OS memory ceiling per worker process, below which V8's own per-isolate heap limits sit. Isolate
// limits bound one script; the ceiling bounds the worker as a whole (many isolates at once, memory V8
// does not count, a leak in a native module), so a worker that reaches it dies alone and is replaced.
//
// Two mechanisms, the first that works here:
// - cgroup v2 (scriptd's own cgroup is delegated to it: the memory controller is available, the
//   directory writable and no other process in it): the supervisor moves itself into a leaf
//   `scriptd-supervisor`, and each worker starts in `scriptd-worker-<i>` with memory.max, no swap and
//   memory.oom.group, so the kernel kills the whole worker (bwrap included) at the ceiling.
// - otherwise the worker's own guard (host/memory-guard.js) watches its resident memory and stops the
//   worker a little below the ceiling. No hard OS limit then: RLIMIT_AS and RLIMIT_DATA both count the
//   ~512 MB of address space each Node 24 isolate reserves and never commits.
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const SH = "/bin/sh";
const unwrapped = (i, command, args) => [command, args];
// No ceiling (`--worker-memory-mb 0`): workers start as they are.
const NO_CEILING = Object.freeze({ kind: "none", ceilingMb: 0, wrap: unwrapped, oomKills: () => 0 });

// Half the machine's memory shared by the workers, within [1.5 GB, 4 GB] each.
function defaultCeilingMb(workers) {
  const share = Math.floor((os.totalmem() / 1048576) * 0.5 / Math.max(1, workers));
  return Math.max(1536, Math.min(4096, share));
}

// The cgroup v2 directory this process is in, or null (cgroup v1, no unified mount).
function ownCgroupDir() {
  let line;
  try {
    line = fs.readFileSync("/proc/self/cgroup", "utf8").split("\n").find((l) => l.startsWith("0::"));
  } catch (e) {
    return null;
  }
  if (!line) return null;
  const mount = fs
    .readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" "))
    .find((f) => f[f.indexOf("-") + 1] === "cgroup2");
  if (!mount || mount[3] !== "/") return null; // a cgroup namespace root elsewhere: paths would not match
  return path.join(mount[4], line.slice(3));
}

function write(file, text) {
  fs.writeFileSync(file, String(text));
}

// Sets up the delegated cgroup tree; returns null (and why) when this cgroup is not ours to divide.
function cgroupSetup(workers, ceilingMb) {
  const base = ownCgroupDir();
  if (!base) return { why: "no cgroup v2 hierarchy" };
  try {
    if (!fs.readFileSync(path.join(base, "cgroup.controllers"), "utf8").split(/\s+/).includes("memory")) {
      return { why: "the memory controller is not available in scriptd's cgroup v2" };
    }
    const others = fs.readFileSync(path.join(base, "cgroup.procs"), "utf8").split("\n").filter((p) => p && Number(p) !== process.pid);
    if (others.length > 0) return { why: `scriptd's cgroup ${base} holds other processes (not delegated to scriptd)` };
    const supervisorDir = path.join(base, "scriptd-supervisor");
    fs.mkdirSync(supervisorDir, { recursive: true });
    write(path.join(supervisorDir, "cgroup.procs"), process.pid); // no process may stay in a parent that divides memory
    write(path.join(base, "cgroup.subtree_control"), "+memory");
    const dirs = [];
    for (let i = 0; i < workers; i++) {
      const dir = path.join(base, `scriptd-worker-${i}`);
      fs.mkdirSync(dir, { recursive: true });
      write(path.join(dir, "memory.max"), ceilingMb * 1048576);
      try {
        write(path.join(dir, "memory.swap.max"), 0);
      } catch (e) {
        // no swap accounting on this kernel: nothing to turn off
      }
      write(path.join(dir, "memory.oom.group"), 1);
      dirs.push(dir);
    }
    return { dirs };
  } catch (e) {
    return { why: `scriptd's cgroup ${base} cannot be divided (${e.code || e.message})` };
  }
}

function oomKills(dir) {
  try {
    const m = /^oom_kill (\d+)$/m.exec(fs.readFileSync(path.join(dir, "memory.events"), "utf8"));
    return m ? Number(m[1]) : 0;
  } catch (e) {
    return 0;
  }
}

// Returns { kind: "cgroup"|"guard"|"none", ceilingMb, wrap(index, command, args) -> [command, args],
// oomKills(index) -> count so far (cgroup only), note? (guard: why the cgroup could not serve) }.
function chooseMemoryCeiling({ workers, ceilingMb }) {
  if (!ceilingMb) return NO_CEILING;
  const cgroup = cgroupSetup(workers, ceilingMb);
  if (cgroup.dirs) {
    return {
      kind: "cgroup",
      ceilingMb,
      // The shell joins the worker's cgroup before it becomes bwrap/node: nothing runs outside it.
      wrap: (i, command, args) => [SH, ["-c", 'echo $$ > "$0" && exec "$@"', path.join(cgroup.dirs[i], "cgroup.procs"), command, ...args]],
      oomKills: (i) => oomKills(cgroup.dirs[i]),
    };
  }
  // Without a cgroup: the worker's own guard on its resident memory (host/memory-guard.js). RLIMIT_DATA
  // cannot serve on Node 24: each isolate reserves ~512 MB of writable address space it never commits,
  // so a data limit would refuse the eighth isolate long before any memory is used.
  return { kind: "guard", ceilingMb, wrap: unwrapped, oomKills: () => 0, note: cgroup.why };
}

module.exports = { chooseMemoryCeiling, defaultCeilingMb, NO_CEILING };
