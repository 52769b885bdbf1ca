// The worker's half of its lower priority (supervisor/priority.js): its threads already run at the nice
// value it was started with; this sets the same value on its autogroup, without which the nice value
// would only order its own threads. The supervisor asks for it (--autogroup-nice) only of Try workers,
// which have a session of their own (bwrap --new-session, or spawned detached): an autogroup is shared by
// the whole session, and lowering the supervisor's would lower every worker's.
"use strict";
const fs = require("node:fs");

const AUTOGROUP = "/proc/self/autogroup";

// Resolves to a line for the log: what was set, or why not. Non-privileged writes are rate-limited by
// the kernel (one per 100 ms machine-wide, EAGAIN), so a few retries.
async function lowerAutogroup(nice) {
  if (!fs.existsSync(AUTOGROUP)) return "no autogroups on this kernel (nice value of the threads only)";
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(AUTOGROUP, String(nice));
      return `autogroup nice ${nice}`;
    } catch (e) {
      if (e.code !== "EAGAIN" || attempt >= 20) return `autogroup nice not set (${e.code || e.message})`;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
    }
  }
}

module.exports = { lowerAutogroup };
