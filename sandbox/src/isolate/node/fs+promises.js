// Internal only: mongodb 6.x requires `fs/promises` at load time (client-side encryption's TLS files),
// a feature scripts cannot use. The same refusals as `fs` (fs.js); scripts cannot require it (allowlist.json).
"use strict";
module.exports = require("fs").promises;
