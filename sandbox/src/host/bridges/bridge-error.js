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

// Copies the plain (string, number, boolean) values of `source[keys]`, for BridgeError `fields`.
function plainFields(source, keys) {
  const out = {};
  for (const key of keys) {
    const value = source[key];
    if (typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))) out[key] = value;
  }
  return out;
}

module.exports = { BridgeError, plainFields };
