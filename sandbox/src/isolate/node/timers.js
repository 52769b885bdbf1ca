// Node's `timers`: the sandbox's own timers (the host owns the clock), as the globals are.
"use strict";
module.exports = { setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate };
module.exports.promises = require("timers/promises");
