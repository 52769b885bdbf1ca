// The CPU a warm isolate may use between runs, after its last run answered: timers and bridge answers
// still enter it (a driver's pool idle timer, a MongoDB heartbeat), but a busy timer left behind by a
// login must not burn a core for the isolate's 15-minute life. The allowance is a burst plus a small
// share of the time spent idle; an isolate past it is disposed (isolate-slot.js) and this is reported.
"use strict";

const BURST_MS = 100; // e.g. closing a pool and its sockets right after the answer
const SHARE = 0.01; // of wall time while idle: a heartbeat every second may take 10 ms each

class IdleBudget {
  constructor(isolate) {
    this.isolate = isolate;
    this.reset();
  }

  // The isolate has just become idle (its run answered): the allowance starts again.
  reset() {
    this.since = Date.now();
    this.cpuAt = this.cpuNow();
    this.hostMs = 0; // host work (hashing) done for the isolate while idle counts too
  }

  addHostMs(ms) {
    this.hostMs += ms;
  }

  cpuNow() {
    try {
      return this.isolate.cpuTime; // bigint, nanoseconds
    } catch (e) {
      return 0n; // disposed
    }
  }

  isolateMs() {
    return Number(this.cpuNow() - this.cpuAt) / 1e6;
  }

  usedMs() {
    return this.isolateMs() + this.hostMs;
  }

  allowedMs() {
    return BURST_MS + SHARE * (Date.now() - this.since);
  }

  leftMs() {
    return this.allowedMs() - this.usedMs();
  }

  describe() {
    const idleS = (Date.now() - this.since) / 1000;
    return (
      `it used ${Math.round(this.isolateMs())} ms of CPU` +
      (this.hostMs > 0 ? ` and ${Math.round(this.hostMs)} ms of host work (hashing)` : "") +
      ` in the ${idleS.toFixed(1)} s after its last run answered ` +
      `(allowed: ${BURST_MS} ms plus ${SHARE * 100}% of the time idle)`
    );
  }
}

module.exports = { IdleBudget, BURST_MS, SHARE };
