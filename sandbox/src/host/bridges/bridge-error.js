"use strict";

// An error a bridge reports to the script as-is (name, message, code); other errors are reported
// without host details.
class BridgeError extends Error {
  constructor(message, { name = "Error", code } = {}) {
    super(message);
    this.scriptName = name;
    this.code = code;
  }
}

module.exports = { BridgeError };
