// Where one run's events go: log lines (capped, timestamped) and exactly one result. They are reported
// as the script produced them, over scriptd's private socket: Django masks secrets in them by one rule
// before anything is stored or shown (scriptd_client/masking.py), as only Django knows which
// configuration values are secret and which answer a login flow goes on with.
"use strict";

class RunSink {
  constructor({ tag, limits, write }) {
    this.tag = tag;
    this.write = write;
    this.maxLines = limits.log_lines;
    this.maxBytes = limits.log_bytes;
    this.lines = 0;
    this.bytes = 0;
    this.dropped = 0;
    this.done = false;
    this.waited = false;
    this.startedAt = process.hrtime.bigint();
  }

  // The run must wait (at the Try gate, or for one of its connection's isolates): the supervisor then
  // gives it until its time limit to start (supervisor.js), rather than to answer.
  waiting() {
    if (this.done || this.waited) return;
    this.waited = true;
    this.write({ tag: this.tag, type: "waiting" });
  }

  // An isolate begins the run now. Only a run that waited says so (most start at once, and one line
  // fewer each way is a login's cheapest saving): the supervisor arms its watchdog on it, the client
  // restarts its deadline.
  started() {
    if (!this.done && this.waited) this.write({ tag: this.tag, type: "started" });
  }

  log(level, rawText) {
    if (this.done) return false;
    if (this.dropped > 0) {
      this.dropped++;
      return false;
    }
    const text = String(rawText);
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
        JSON.stringify(value); // write() must not throw for this run's answer
        event.value = value;
      } catch (e) {
        // Only a value nested beyond the host's stack gets here (the isolate refuses most first).
        event.status = "error";
        event.error = { name: "Error", message: "The script's answer is nested too deeply to be returned" };
      }
    } else if (status === "error") event.error = errorFields(error);
    else event.error = error;
    if (this.dropped > 0) event.logs_dropped = this.dropped;
    this.write(event);
  }

}

// The error's fields that have a value.
function errorFields(error) {
  const out = {};
  for (const [key, value] of Object.entries(error || {})) if (value !== undefined && value !== null) out[key] = value;
  return out;
}

module.exports = { RunSink };
