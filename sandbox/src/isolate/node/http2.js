// Internal: axios requires `http2` when it loads; scripts cannot require it (allowlist.json).
"use strict";
module.exports = {
  connect() {
    throw Object.assign(new Error("HTTP/2 is not available in Trickle's sandbox"), { code: "ERR_FEATURE_UNAVAILABLE" });
  },
  constants: {},
};
