// Internal only: aws-sdk v2 (client-side monitoring over UDP) and request 2.81 (hawk's sntp) require `dgram` when it loads, for a feature scripts cannot use.
// Scripts cannot require it (allowlist.json "refused"); a package calling it gets this error.
"use strict";
const refuse = (fn) => () => {
  const error = new Error(`dgram.${fn}() is not available: scripts in Trickle's sandbox can only open TCP client sockets`);
  error.code = "ERR_ACCESS_DENIED";
  throw error;
};
module.exports = Object.fromEntries("createSocket".split(",").map((fn) => [fn, refuse(fn)]));
