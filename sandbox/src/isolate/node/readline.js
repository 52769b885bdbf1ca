// Internal only: oracledb (its tnsnames.ora reader) requires `readline` when it loads, for a feature scripts cannot use.
// Scripts cannot require it (allowlist.json "refused"); a package calling it gets this error.
"use strict";
const refuse = (fn) => () => {
  const error = new Error(`readline.${fn}() is not available: scripts in Trickle's sandbox have no file system or terminal`);
  error.code = "ERR_ACCESS_DENIED";
  throw error;
};
module.exports = Object.fromEntries("createInterface".split(",").map((fn) => [fn, refuse(fn)]));
