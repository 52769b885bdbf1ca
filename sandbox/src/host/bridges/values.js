// Database values that JSON cannot carry as themselves (dates, binary) travel tagged, and the
// isolate side turns them back into a Date or a Buffer, as the real drivers return them.
"use strict";

function encodeValue(value) {
  if (value instanceof Date) return { $trickle: "date", value: Number.isNaN(value.getTime()) ? null : value.toISOString() };
  if (Buffer.isBuffer(value)) return { $trickle: "bytes", value: value.toString("base64") };
  if (typeof value === "bigint") return value.toString();
  return value;
}

function encodeRow(row) {
  if (Array.isArray(row)) return row.map(encodeValue);
  if (!row || typeof row !== "object") return row;
  const out = {};
  for (const key of Object.keys(row)) out[key] = encodeValue(row[key]);
  return out;
}

const encodeRows = (rows) => (Array.isArray(rows) ? rows.map(encodeRow) : []);

module.exports = { encodeRows, encodeRow };
