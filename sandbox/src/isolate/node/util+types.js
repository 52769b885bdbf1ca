// Node's `util/types`.
"use strict";
module.exports = require("util").types;
