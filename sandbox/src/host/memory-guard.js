// The worker's side of its memory ceiling when there is no cgroup to enforce it
// (supervisor/memory-ceiling.js): the worker watches its own resident memory and stops itself once it
// is close; the supervisor answers `crash` for the runs it had and starts a new worker. Under a cgroup
// the kernel does this itself.
"use strict";
const fs = require("node:fs");

const CHECK_MS = 100;
const STOP_AT = 0.9; // of the ceiling: the check runs every CHECK_MS, so stop a little before it

// Resident memory: VmData also counts the address space each isolate reserves and never commits.
function committedMb() {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) / 1024 : 0;
}

// onReached(usedMb) must end the process.
function guardMemory({ ceilingMb, kind, onReached }) {
  if (kind !== "guard" || !ceilingMb) return null;
  const timer = setInterval(() => {
    const used = committedMb();
    if (used >= ceilingMb * STOP_AT) {
      clearInterval(timer);
      onReached(used);
    }
  }, CHECK_MS);
  timer.unref();
  return timer;
}

module.exports = { guardMemory, committedMb };
