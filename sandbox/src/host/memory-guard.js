// The worker's side of its OS memory ceiling (supervisor/memory-ceiling.js). Under RLIMIT_DATA an
// allocation past the limit fails: a script may catch the RangeError and carry on while every other
// isolate of the worker starves. So the worker watches its own committed memory (VmData, what the
// limit counts) and stops itself once it is close: the supervisor answers `crash` for the runs it had
// and starts a new worker. Under a cgroup the kernel does this itself.
"use strict";
const fs = require("node:fs");

const CHECK_MS = 100;
const STOP_AT = 0.9; // of the ceiling: the hard limit stays a little above, for the last allocations

function committedMb() {
  const m = /^VmData:\s+(\d+) kB$/m.exec(fs.readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) / 1024 : 0;
}

// onReached(usedMb) must end the process.
function guardMemory({ ceilingMb, kind, onReached }) {
  if (kind !== "rlimit" || !ceilingMb) return null;
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
