// Internal: AbortController and AbortSignal (the isolate's globals; V8 alone has none). node-fetch
// recognises the signal by its constructor's name.
"use strict";
function abortError(message, name = "AbortError") {
  const error = new Error(message);
  error.name = name;
  error.code = "ABORT_ERR";
  error.type = "aborted";
  return error;
}

class AbortSignal {
  constructor() {
    this.aborted = false;
    this.reason = undefined;
    this._listeners = [];
    this.onabort = null;
  }
  addEventListener(type, fn) {
    if (type === "abort") this._listeners.push(fn);
  }
  removeEventListener(type, fn) {
    this._listeners = this._listeners.filter((f) => f !== fn);
  }
  throwIfAborted() {
    if (this.aborted) throw this.reason;
  }
  static abort(reason) {
    const controller = new AbortController();
    controller.abort(reason);
    return controller.signal;
  }
  // Aborted when any of the signals is (tedious and mssql combine their timeouts and the caller's this way).
  static any(signals) {
    const controller = new AbortController();
    for (const signal of signals) {
      if (signal.aborted) {
        controller.abort(signal.reason);
        break;
      }
      signal.addEventListener("abort", () => controller.abort(signal.reason));
    }
    return controller.signal;
  }
  static timeout(ms) {
    const controller = new AbortController();
    setTimeout(() => controller.abort(abortError("The operation was aborted due to timeout", "TimeoutError")), ms);
    return controller.signal;
  }
}

class AbortController {
  constructor() {
    this.signal = new AbortSignal();
  }
  abort(reason) {
    const signal = this.signal;
    if (signal.aborted) return;
    signal.aborted = true;
    signal.reason = reason === undefined ? abortError("This operation was aborted") : reason;
    for (const fn of [signal.onabort, ...signal._listeners]) if (typeof fn === "function") fn({ type: "abort", target: signal });
  }
}

module.exports = { AbortController, AbortSignal };
