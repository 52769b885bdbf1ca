// Where one run's events go: log lines (redacted, capped, timestamped) and exactly one result. What
// the script produced is redacted (redact.js): secrets inside log text and error fields, and every
// string of an `ok` value (object keys included, at any depth) that is a secret, so
// `callback(null, { note: configuration.DB_PASSWORD, pw: password })` neither stores nor shows them.
"use strict";
const { makeRedactor, makeExactRedactor } = require("./redact");

class RunSink {
  constructor({ tag, request, limits, write }) {
    this.tag = tag;
    this.write = write;
    this.redact = makeRedactor(request);
    this.redactString = makeExactRedactor(request);
    this.maxLines = limits.log_lines;
    this.maxBytes = limits.log_bytes;
    this.lines = 0;
    this.bytes = 0;
    this.dropped = 0;
    this.done = false;
    this.startedAt = process.hrtime.bigint();
  }

  // An isolate begins the run now (a warm run may have waited for one): the supervisor arms its
  // watchdog on this event, and clients may restart their own deadline.
  started() {
    if (!this.done) this.write({ tag: this.tag, type: "started" });
  }

  log(level, rawText) {
    if (this.done) return false;
    if (this.dropped > 0) {
      this.dropped++;
      return false;
    }
    const text = this.redact(String(rawText));
    const size = Buffer.byteLength(text);
    if (this.lines + 1 > this.maxLines || this.bytes + size > this.maxBytes) {
      this.dropped = 1;
      this.emitLog("warn", `[trickle] log limit reached (${this.maxLines} lines / ${this.maxBytes} bytes): further output of this run is dropped`);
      return false;
    }
    this.lines++;
    this.bytes += size;
    this.emitLog(level, text);
    return true;
  }

  emitLog(level, text) {
    this.write({ tag: this.tag, type: "log", level, text, time: new Date().toISOString() });
  }

  // status: ok (value) | error | timeout | crash (error)
  result(status, { value = null, error } = {}) {
    if (this.done) return;
    this.done = true;
    const event = { tag: this.tag, type: "result", status, ms: Number(process.hrtime.bigint() - this.startedAt) / 1e6 };
    if (status === "ok") {
      try {
        event.value = this.redactValue(value);
      } catch (e) {
        // Only a value nested beyond the host's stack gets here (the isolate refuses most first).
        event.status = "error";
        event.error = { name: "Error", message: "The script's answer is nested too deeply to be returned" };
      }
    } else if (status === "error") event.error = this.redactError(error); // text the script produced
    else event.error = error;
    if (this.dropped > 0) event.logs_dropped = this.dropped;
    this.write(event);
  }

  // The same structure with every string (and key) that is a secret masked; numbers, booleans, null
  // and other strings as they are.
  redactValue(value) {
    if (typeof value === "string") return this.redactString(value);
    if (Array.isArray(value)) return value.map((item) => this.redactValue(item));
    if (value && typeof value === "object") {
      // fromEntries defines own properties, so a "__proto__" key stays a key.
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.redactString(k), this.redactValue(v)]));
    }
    return value;
  }

  redactError(error) {
    const out = {};
    for (const [key, value] of Object.entries(error || {})) {
      if (value !== undefined && value !== null) out[key] = typeof value === "string" ? this.redact(value) : value;
    }
    return out;
  }
}

module.exports = { RunSink };
