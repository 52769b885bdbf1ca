// An OS memory ceiling per worker process, below which V8's own per-isolate heap limits sit. Isolate
// limits bound one script; the ceiling bounds the worker as a whole (many isolates at once, memory V8
// does not count, a leak in a native module), so a worker that reaches it dies alone and is replaced.
//
// Three mechanisms, the first that works here (`kind`, `mechanism` in ping and stats, and the start log):
// - cgroup v2 (scriptd's own cgroup is delegated to it, e.g. systemd Delegate=yes: the memory controller
//   is available, the directory writable and no other process in it): the supervisor moves itself into a
//   leaf `scriptd-supervisor`, and each worker starts in `scriptd-worker-<i>` with memory.max, no swap
//   and memory.oom.group, so the kernel kills the whole worker (bwrap included) at the ceiling.
// - cgroup v1 (a memory hierarchy where scriptd's memory cgroup is writable, e.g. running as root): each
//   worker starts in a child `scriptd-<supervisor pid>-worker-<i>` of scriptd's own memory cgroup with
//   memory.limit_in_bytes and, where swap is accounted, memory.memsw.limit_in_bytes at the same value
//   (no swap). The kernel's OOM killer then picks a process inside that cgroup only: the worker's node
//   (bwrap then exits with it). v1 lets the supervisor stay in the parent; the pid in the names keeps
//   several scriptd in one cgroup apart, and the folders are removed at shutdown (those of a scriptd
//   that was killed, at the next start).
// - otherwise the worker's own guard (host/memory-guard.js) watches its resident memory and stops the
//   worker a little below the ceiling. No hard OS limit then: RLIMIT_AS and RLIMIT_DATA both count the
//   ~512 MB of address space each Node 24 isolate reserves and never commits.
// In both cgroup cases the worker command is wrapped so it joins its cgroup before it execs anything.
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const SH = "/bin/sh";
const unwrapped = (i, command, args) => [command, args];
// No ceiling (`--worker-memory-mb 0`): workers start as they are.
const NO_CEILING = Object.freeze({
  kind: "none",
  mechanism: "none",
  ceilingMb: 0,
  wrap: unwrapped,
  oomKills: () => 0,
  cleanup: async () => [],
});

// Half the machine's memory shared by the workers, within [1.5 GB, 4 GB] each.
function defaultCeilingMb(workers) {
  const share = Math.floor((os.totalmem() / 1048576) * 0.5 / Math.max(1, workers));
  return Math.max(1536, Math.min(4096, share));
}

function mountFields() {
  return fs
    .readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" "))
    .map((f) => ({ root: f[3], point: f[4], type: f[f.indexOf("-") + 1], options: f[f.indexOf("-") + 3] || "" }));
}

// The directory of this process's cgroup in the hierarchy whose /proc/self/cgroup line `matches`, or
// null. A mount whose root is not "/" (a cgroup namespace elsewhere) is not used: paths would not match.
function ownDir(matches, isMount) {
  let line;
  try {
    line = fs.readFileSync("/proc/self/cgroup", "utf8").split("\n").find(matches);
  } catch (e) {
    return null;
  }
  if (!line) return null;
  const mount = mountFields().find(isMount);
  if (!mount || mount.root !== "/") return null;
  return path.join(mount.point, line.slice(line.indexOf(":", line.indexOf(":") + 1) + 1));
}

const ownV2Dir = () => ownDir((l) => l.startsWith("0::"), (m) => m.type === "cgroup2");
const hasMemory = (list) => list.split(",").includes("memory");
const ownV1MemoryDir = () =>
  ownDir((l) => hasMemory(l.split(":")[1] || ""), (m) => m.type === "cgroup" && hasMemory(m.options));

function write(file, text) {
  fs.writeFileSync(file, String(text));
}

// Sets up the delegated cgroup v2 tree; returns { dirs } or { why } when this cgroup is not ours to divide.
function cgroupV2Setup(workers, ceilingMb) {
  const base = ownV2Dir();
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
    return { dirs, events: (dir) => readCount(path.join(dir, "memory.events"), "oom_kill") };
  } catch (e) {
    return { why: `scriptd's cgroup ${base} cannot be divided (${e.code || e.message})` };
  }
}

const v1Name = (pid, i) => `scriptd-${pid}-worker-${i}`;

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

// rmdir of a cgroup v1 folder (its files go with it); false while a process is still in it.
function removeCgroup(dir) {
  try {
    fs.rmdirSync(dir);
    return true;
  } catch (e) {
    return e.code === "ENOENT";
  }
}

// Workers' cgroups of a scriptd that was killed before it could remove them (one that had this very
// pid included: none can be ours yet).
function removeStale(base) {
  for (const name of fs.readdirSync(base)) {
    const m = /^scriptd-(\d+)-worker-\d+$/.exec(name);
    if (m && (Number(m[1]) === process.pid || !alive(Number(m[1])))) removeCgroup(path.join(base, name));
  }
}

// Child memory cgroups v1 of scriptd's own; returns { dirs } or { why }.
function cgroupV1Setup(workers, ceilingMb) {
  const base = ownV1MemoryDir();
  if (!base) return { why: "no cgroup v1 memory hierarchy" };
  const dirs = [];
  try {
    removeStale(base);
    for (let i = 0; i < workers; i++) {
      const dir = path.join(base, v1Name(process.pid, i));
      fs.mkdirSync(dir);
      dirs.push(dir);
      write(path.join(dir, "memory.limit_in_bytes"), ceilingMb * 1048576);
      // memsw (memory + swap) must be at least the memory limit: set after it, at the same value (no swap).
      if (fs.existsSync(path.join(dir, "memory.memsw.limit_in_bytes"))) write(path.join(dir, "memory.memsw.limit_in_bytes"), ceilingMb * 1048576);
      if (Number(fs.readFileSync(path.join(dir, "memory.limit_in_bytes"), "utf8")) > ceilingMb * 1048576) {
        throw new Error("the limit did not hold");
      }
    }
    return { dirs, events: (dir) => readCount(path.join(dir, "memory.oom_control"), "oom_kill") };
  } catch (e) {
    for (const dir of dirs) removeCgroup(dir);
    return { why: `scriptd's memory cgroup ${base} cannot be divided (${e.code || e.message})` };
  }
}

// A counter line "name N" of a cgroup file (memory.events, memory.oom_control), 0 when unreadable.
function readCount(file, name) {
  try {
    const m = new RegExp(`^${name} (\\d+)$`, "m").exec(fs.readFileSync(file, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch (e) {
    return 0;
  }
}

// Removes the workers' cgroups v1 once their processes are gone (they may take a moment to die after
// SIGKILL): retries for up to `waitMs`. v2 folders are fixed names, reused by the next start.
async function removeWhenEmpty(dirs, waitMs) {
  const until = Date.now() + waitMs;
  let left = dirs;
  while ((left = left.filter((dir) => !removeCgroup(dir))).length > 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return left;
}

// Returns { kind: "cgroup"|"guard"|"none", mechanism (what enforces it, for logs and stats), ceilingMb,
// wrap(index, command, args) -> [command, args], oomKills(index) -> count so far (cgroup only),
// cleanup() -> promise (after the workers were killed), note? (guard: why no cgroup could serve) }.
function chooseMemoryCeiling({ workers, ceilingMb }) {
  if (!ceilingMb) return NO_CEILING;
  const v2 = cgroupV2Setup(workers, ceilingMb);
  const v1 = v2.dirs ? null : cgroupV1Setup(workers, ceilingMb);
  const cgroup = v2.dirs ? v2 : v1;
  if (cgroup.dirs) {
    const v1Dirs = cgroup === v1 ? cgroup.dirs : [];
    return {
      kind: "cgroup",
      mechanism: cgroup === v2 ? "cgroup v2 memory.max" : "cgroup v1 memory.limit_in_bytes",
      ceilingMb,
      // The shell joins the worker's cgroup before it becomes bwrap/node: nothing runs outside it.
      wrap: (i, command, args) => [SH, ["-c", 'echo $$ > "$0" && exec "$@"', path.join(cgroup.dirs[i], "cgroup.procs"), command, ...args]],
      oomKills: (i) => cgroup.events(cgroup.dirs[i]),
      cleanup: () => removeWhenEmpty(v1Dirs, 3000),
    };
  }
  // Without a cgroup: the worker's own guard on its resident memory (host/memory-guard.js). RLIMIT_DATA
  // cannot serve on Node 24: each isolate reserves ~512 MB of writable address space it never commits,
  // so a data limit would refuse the eighth isolate long before any memory is used.
  return {
    kind: "guard",
    mechanism: "resident-memory guard (stops the worker at 90%; not a hard limit)",
    ceilingMb,
    wrap: unwrapped,
    oomKills: () => 0,
    cleanup: async () => [],
    note: `${v2.why}; ${v1.why}`,
  };
}

module.exports = { chooseMemoryCeiling, defaultCeilingMb, NO_CEILING };
