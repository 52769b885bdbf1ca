// Node's `https` client inside the isolate: http.js over tls (the host checks certificates).
"use strict";
module.exports = require("http").makeModule(true);
