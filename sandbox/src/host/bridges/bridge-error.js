"use strict";

// An error a bridge reports to the script as-is (name, message, code, and `fields`: further plain
// values such as a database error's `detail` or `errno`); other errors are reported without host
// details.
class BridgeError extends Error {
  constructor(message, { name = "Error", code, fields } = {}) {
    super(message);
    this.scriptName = name;
    this.code = code;
    this.fields = fields;
  }
}

module.exports = { BridgeError };
