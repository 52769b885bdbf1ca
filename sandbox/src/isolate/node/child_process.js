// Internal only: tedious (through @azure/identity's command-line credentials) requires `child_process` when it loads, for a feature scripts cannot use.
// Scripts cannot require it (allowlist.json "refused"); a package calling it gets this error.
"use strict";
const refuse = (fn) => () => {
  const error = new Error(`child_process.${fn}() is not available: scripts in Trickle's sandbox cannot start processes`);
  error.code = "ERR_ACCESS_DENIED";
  throw error;
};
module.exports = Object.fromEntries("exec,execFile,spawn,fork,execSync,execFileSync,spawnSync".split(",").map((fn) => [fn, refuse(fn)]));
