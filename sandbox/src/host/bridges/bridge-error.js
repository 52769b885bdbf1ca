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

// A database driver's error as the script sees it: its message and string `code` (SQLSTATE, ER_...),
// plus the plain values of `fieldNames` (each driver's own list); a BridgeError passes through as-is.
function driverError(e, fieldNames) {
  if (e instanceof BridgeError) return e;
  const code = e && typeof e.code === "string" ? e.code : undefined;
  return new BridgeError(String((e && e.message) || "database error"), { code, fields: plainFields(e || {}, fieldNames) });
}

module.exports = { BridgeError, plainFields, driverError };
