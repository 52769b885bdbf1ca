// Try workers run at a lower CPU priority than login workers, so a Try run spinning in an isolate or
// the hashing it started on the thread pool (which cannot be stopped) takes CPU only when logins leave
// it: the kernel's own scheduler puts logins first, on every core, without scriptd guessing.
//
// Two settings are needed on Linux, because each worker under bubblewrap is in a session of its own
// (--new-session) and so in an autogroup of its own, and the scheduler shares the CPU between autogroups
// first and by nice value only inside each:
// - the nice value of every thread: the worker is started through `nice -n N`, so every thread it ever
//   makes (V8's, isolated-vm's, libuv's pool) inherits it;
// - the nice value of the worker's autogroup: the worker writes /proc/self/autogroup itself once it
//   runs (host/priority.js), which only a process in its own session may do without lowering others.
"use strict";
const fs = require("node:fs");

const NICE = ["/usr/bin/nice", "/bin/nice"].find((p) => fs.existsSync(p)) || null;
const TRY_NICE = 5; // a weight of 335 against 1024: a Try worker gets a quarter of a core a login worker wants

// [command, args] started at nice `nice` (unchanged when 0 or without a nice binary).
function lowered(nice, command, args) {
  if (!nice || !NICE) return [command, args];
  return [NICE, ["-n", String(nice), command, ...args]];
}

module.exports = { lowered, TRY_NICE, NICE };
