// Logins before Try runs: a worker runs at most `concurrency` Try runs at once; more wait here in
// arrival order, each for at most its own time limit. Logins never pass through the gate, so a burst
// of Try runs (spinning scripts, heavy hashing) takes at most that many threads' worth of CPU from the
// logins sharing the worker.
"use strict";

// A Try run that waited its whole time limit at the gate.
class GateTimeout extends Error {
  constructor(waitMs) {
    super(`waited ${waitMs} ms at the Try gate`);
    this.waitMs = waitMs;
  }
}

class TryGate {
  constructor({ concurrency }) {
    this.concurrency = Math.max(1, concurrency);
    this.running = 0;
    this.waiting = [];
  }

  // Resolves to a release function once the run may start; rejects with GateTimeout after waitMs.
  // onWait() is called if the run has to wait.
  enter(waitMs, onWait = () => {}) {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    onWait();
    return new Promise((resolve, reject) => {
      const waiter = { resolve };
      waiter.timer = setTimeout(() => {
        this.waiting = this.waiting.filter((w) => w !== waiter);
        reject(new GateTimeout(waitMs));
      }, waitMs);
      this.waiting.push(waiter);
    });
  }

  releaser() {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (!next) {
        this.running--;
        return;
      }
      clearTimeout(next.timer);
      next.resolve(this.releaser()); // the slot passes straight to the next run in line
    };
  }

  stats() {
    return { concurrency: this.concurrency, running: this.running, waiting: this.waiting.length };
  }
}

module.exports = { TryGate, GateTimeout };
